using System.CommandLine;
using Rotor.Core.Abstractions;

namespace Rotor.Cli;

/// <summary>The <c>rotor</c> command line. Writers and time are injected so tests run it in-process.</summary>
public static partial class RotorCli
{
    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, TimeProvider? time = null,
        Scheduling.ReconcilerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var cli = new CliContext(output, error, time ?? TimeProvider.System)
        {
            ReconcilerOptions = options,
            OutputIsTerminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected,
        };
        return await InvokeAsync(cli, args, cancellationToken);
    }

    /// <summary>Runs one command with <paramref name="cli"/>'s writers, time and environment.</summary>
    public static async Task<int> InvokeAsync(CliContext cli, string[] args, CancellationToken cancellationToken = default)
    {
        var output = cli.Output;
        var error = cli.Error;
        var root = Build(cli);
        var parse = root.Parse(args);
        try
        {
            // A stop (SIGINT, SIGTERM: Program turns them into this token) ends the command at its
            // next await; every file it writes is written atomically, so a stop leaves the old file
            // or the new one, never half of one. System.CommandLine's own signal handling is off.
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            }, cancellationToken);
        }
        catch (Exception e)
        {
            return HandleException(cli, e);
        }
    }

    private static int HandleException(CliContext cli, Exception e) => e switch
    {
        OperationCanceledException => cli.Fail(ExitCodes.Cancelled, "stopped before it finished; nothing was left half-written (run the command again to finish)"),
        RotorException { Reason: RotorReasons.NotInitialized } re => cli.Fail(ExitCodes.NotFound, re.Message),
        RotorException { Reason: RotorReasons.InvalidInput } re => cli.Fail(ExitCodes.InvalidInput, re.Message),
        RotorException re => cli.Fail(ExitCodes.Failed, re.Message),
        _ when OperationalError.Describe(e) is { } plain => cli.Fail(ExitCodes.Failed, plain),
        _ => cli.Fail(ExitCodes.Failed, $"{e.GetType().Name}: {e.Message} (this is a bug in Rotor; please report it with the command that caused it)"),
    };

    public static RootCommand Build(CliContext cli)
    {
        var root = new RootCommand(
            "Rotor keeps the TLS certificates of SIP endpoints valid: it issues, validates, deploys, reloads and watches them.\n" +
            ExitCodes.Help);
        root.Options.Add(cli.Data);
        root.Options.Add(cli.Store);
        root.Options.Add(cli.OutputFormat);
        root.Options.Add(cli.LogFormat);
        root.Options.Add(cli.Verbose);
        root.Options.Add(cli.Server);
        root.Options.Add(cli.TokenFile);
        root.Options.Add(cli.ServerCa);
        root.Subcommands.Add(InitCommand(cli));
        root.Subcommands.Add(MigrateCommand(cli));
        root.Subcommands.Add(ApplyCommand(cli));
        root.Subcommands.Add(GetCommand(cli));
        root.Subcommands.Add(DescribeCommand(cli));
        root.Subcommands.Add(RenewCommand(cli));
        root.Subcommands.Add(RotateCommand(cli));
        root.Subcommands.Add(RollbackCommand(cli));
        root.Subcommands.Add(KeyCommand(cli));
        root.Subcommands.Add(EventsCommand(cli));
        root.Subcommands.Add(VerifyCommand(cli));
        root.Subcommands.Add(ProbeCommand(cli));
        root.Subcommands.Add(ScanCommand(cli));
        root.Subcommands.Add(ReconcileCommand(cli));
        root.Subcommands.Add(RunCommand(cli));
        root.Subcommands.Add(AlertsCommand(cli));
        root.Subcommands.Add(NotifyCommand(cli));
        root.Subcommands.Add(TokenCommand(cli));
        root.Subcommands.Add(AcmeServerCommand(cli));
        return root;
    }

    private static Option<string[]> FileOption(bool required) => new("--file", "-f")
    {
        Description = "Manifest file or folder (*.yaml, *.yml); repeatable",
        Required = required,
        AllowMultipleArgumentsPerToken = true,
    };

    private static Command InitCommand(CliContext cli)
    {
        var cn = new Option<string?>("--root-name") { Description = "Common name of the local root CA (default: Rotor Local Root CA <random>)" };
        var cmd = new Command("init", "Create the data folder, the master key and the local root CA (if none exists yet)") { cn };
        cmd.SetAction(async (parse, ct) =>
        {
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, rootName: parse.GetValue(cn));
            using var root = host.LocalCa.LoadRoot();
            var created = host.Created;
            var fingerprint = root.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(new InitJson(host.DataDirectory, host.LocalCa.RootPath, root.Subject, fingerprint, created), CliJsonContext.Default.InitJson);
            }
            else
            {
                cli.Output.WriteLine($"{(created ? "Created" : "Found")} local root CA '{root.Subject}'");
                cli.Output.WriteLine($"  certificate: {host.LocalCa.RootPath}");
                cli.Output.WriteLine($"  sha256:      {fingerprint}");
                cli.Output.WriteLine($"  data folder: {host.DataDirectory}");
                cli.Output.WriteLine("Give the certificate to the SIP peers that must trust what Rotor issues.");
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command ApplyCommand(CliContext cli)
    {
        var files = FileOption(required: true);
        var cmd = new Command("apply", "Check manifests and store them; nothing is stored unless every document is valid") { files };
        cmd.SetAction(async (parse, ct) =>
        {
            if (await ManifestLoader.RefuseBeforeCreatingAsync(parse.GetValue(files)!, cli.DataDirectory(parse), cli, ct) is { } refused) return refused;
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct);
            return await ManifestLoader.ApplyAsync(parse.GetValue(files)!, host, cli, ct);
        });
        return cmd;
    }

    private static Command RenewCommand(CliContext cli) =>
        RenewLike(cli, "renew", "Mark a certificate for renewal now; `rotor run` picks it up at once, `rotor reconcile` on its next pass. " +
            "A key update to an issuer with a key-update window (CMP kurWindow) waits for the window unless --now is given",
            RotorReasons.RenewRequested, "manual renewal requested", new Option<bool>("--now") { Description = "Do not wait for the issuer's key-update window" });

    private static Command RotateCommand(CliContext cli) =>
        RenewLike(cli, "rotate", "Start a rotation now: a new version is issued and rolled out to every target (trust first, in waves, through the health gates)",
            RotorReasons.RotateRequested, "manual rotation requested");

    private static Command RollbackCommand(CliContext cli)
    {
        var name = new Argument<string>("name") { Description = "Certificate to roll back" };
        var cmd = new Command("rollback", "Roll back a rotation in progress, or put the previous version (still in its overlap window) back in service") { name };
        cmd.SetAction(async (parse, ct) =>
        {
            if (await RemoteActionAsync(cli, parse, "rollback", parse.GetValue(name)!, ct) is { } remote) return remote;
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            try
            {
                cli.Output.WriteLine(await new Commands.CertificateCommands(host).RollbackAsync(parse.GetValue(name)!, ct));
                return ExitCodes.Ok;
            }
            catch (RotorException e)
            {
                return cli.Fail(e.Reason == RotorReasons.NotFound ? ExitCodes.NotFound : ExitCodes.Failed, e.Message);
            }
        });
        return cmd;
    }

    private static Command RenewLike(CliContext cli, string verb, string help, string reason, string message, Option<bool>? now = null)
    {
        var name = new Argument<string>("name") { Description = "Certificate to " + verb };
        var cmd = new Command(verb, help) { name };
        if (now is not null) cmd.Options.Add(now);
        cmd.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(name)!;
            var immediately = now is not null && parse.GetValue(now);
            if (await RemoteActionAsync(cli, parse, verb + (immediately ? "?now=true" : ""), n, ct) is { } remote) return remote;
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            if (!await new Commands.CertificateCommands(host).RequestRenewalAsync(n, immediately, reason,
                    immediately ? message + " (--now: no key-update window wait)" : message, ct))
            {
                return cli.Fail(ExitCodes.NotFound, $"certificate '{n}' not found");
            }
            cli.Output.WriteLine($"certificate/{n} marked for {(verb == "renew" ? "renewal" : "rotation")}");
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
