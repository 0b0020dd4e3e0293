using System.CommandLine;
using Rotor.Api.Auth;
using Rotor.Core.Abstractions;
using Spectre.Console;

namespace Rotor.Cli;

public static partial class RotorCli
{
    /// <summary><c>rotor token create|list|revoke</c>: the operator API's bearer tokens, kept hashed in the store.</summary>
    private static Command TokenCommand(CliContext cli)
    {
        var cmd = new Command("token", "API tokens for the operator API (/api/v1): viewer reads, operator renews/rotates/rolls back, admin applies, deletes and manages tokens");

        var name = new Argument<string>("name") { Description = "Token name (letters, digits, '-', '_', '.'); events name changes made with it" };
        var role = new Option<string>("--role") { Description = "viewer, operator or admin", Required = true };
        var create = new Command("create", "Make a token and print it once, alone on the last line; only its SHA-256 is stored") { name, role };
        create.SetAction(async (parse, ct) =>
        {
            if (ApiTokens.ParseRole(parse.GetValue(role)) is not { } r) return cli.Fail(ExitCodes.InvalidInput, $"--role: '{parse.GetValue(role)}' is not viewer, operator or admin");
            if (ApiTokens.CheckName(parse.GetValue(name)!) is { } bad) return cli.Fail(ExitCodes.InvalidInput, bad);
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            string token;
            try
            {
                token = await host.ApiTokens.CreateAsync(parse.GetValue(name)!, r, ct);
            }
            catch (RotorException e) when (e.Reason == RotorReasons.Conflict)
            {
                return cli.Fail(ExitCodes.InvalidInput, e.Message);
            }
            cli.Error.WriteLine($"Created token '{parse.GetValue(name)}' with role {r.ToString().ToLowerInvariant()}. It is shown once, now; Rotor keeps only its hash.");
            cli.Error.WriteLine("Give it to clients as 'Authorization: Bearer <token>' or in a file for --token-file (not on a command line).");
            cli.Output.WriteLine(token);
            return ExitCodes.Ok;
        });

        var list = new Command("list", "List tokens: name, role, created, last used, revoked (never the token or its hash)");
        list.SetAction(async (parse, ct) =>
        {
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            var tokens = await host.ApiTokens.ListAsync(ct);
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(tokens, CliJsonContext.Default.IReadOnlyListApiTokenInfo);
                return ExitCodes.Ok;
            }
            var t = new Table().AddColumns("NAME", "ROLE", "CREATED", "LAST USED", "REVOKED");
            foreach (var k in tokens) t.AddRow(Markup.Escape(k.Name), k.Role, Time(k.Created), Time(k.LastUsed), Time(k.Revoked));
            cli.Console.Write(t);
            return ExitCodes.Ok;
        });

        var revokeName = new Argument<string>("name") { Description = "Token to revoke" };
        var revoke = new Command("revoke", "Revoke a token at once (a running rotor refuses it from its next request)") { revokeName };
        revoke.SetAction(async (parse, ct) =>
        {
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            var n = parse.GetValue(revokeName)!;
            if (!await host.ApiTokens.RevokeAsync(n, ct)) return cli.Fail(ExitCodes.NotFound, $"no token named '{n}' that is not revoked");
            cli.Output.WriteLine($"token/{n} revoked");
            return ExitCodes.Ok;
        });

        cmd.Subcommands.Add(create);
        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(revoke);
        return cmd;
    }
}
