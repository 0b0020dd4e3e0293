using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Rotor.Api;
using Rotor.Scheduling;
using Rotor.Telemetry;

namespace Rotor.Cli;

public static partial class RotorCli
{
    public const string DefaultListen = "127.0.0.1:9477";

    private static Command ReconcileCommand(CliContext cli)
    {
        var files = FileOption(required: false);
        var cmd = new Command("reconcile", "Apply manifests (if -f given), work on every certificate that is due, then exit. For cron and systemd timers: exits 1 if anything failed")
        {
            files, cli.Parallelism,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            if (cli.CheckParallelism(parse) is { } bad) return cli.Fail(ExitCodes.InvalidInput, bad);
            if (parse.GetValue(files) is { Length: > 0 } manifests
                && await ManifestLoader.RefuseBeforeCreatingAsync(manifests, cli.DataDirectory(parse), cli, ct) is { } refused) return refused;
            SystemTrust.StartLoading();
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct);
            if (parse.GetValue(files) is { Length: > 0 } paths)
            {
                // With -o json, standard output carries only the JSON total.
                var applied = await ManifestLoader.ApplyAsync(paths, host, cli, ct, cli.WantsJson(parse) ? cli.Error : null);
                if (applied != ExitCodes.Ok) return applied;
            }
            await host.SweepKeysAsync(ct);
            var total = PassResult.Empty;
            while (true)
            {
                var pass = await host.Reconciler.RunPassAsync(ct);
                total = new PassResult(total.Processed + pass.Processed, total.Failed + pass.Failed, total.Issued + pass.Issued, total.Deployed + pass.Deployed);
                if (pass.Processed < host.Reconciler.BatchSize) break;
            }
            await EvaluateAndDeliverAlertsAsync(cli, host, ct);
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(total, CliJsonContext.Default.PassResult);
            }
            else
            {
                cli.Output.WriteLine($"reconciled {total.Processed} due certificate(s): {total.Issued} issued, {total.Deployed} deployed, {total.Failed} failed");
            }
            return total.Failed > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>
    /// After a one-off pass (cron, a systemd timer): the alert rules once, and one delivery attempt of
    /// what is due; a receiver that is down gets the message from a later run or from `rotor run`.
    /// </summary>
    private static async Task EvaluateAndDeliverAlertsAsync(CliContext cli, RotorHost host, CancellationToken ct)
    {
        await host.AlertEvaluator.EvaluateAsync(ct);
        var sent = await host.AlertDispatcher.DeliverDueAsync(ct);
        if (sent.Delivered + sent.Failed > 0)
        {
            cli.Error.WriteLine($"alerts: {sent.Delivered} message(s) delivered, {sent.Failed} waiting to be sent again (see rotor alerts --outbox)");
        }
    }

    private static Command RunCommand(CliContext cli)
    {
        var files = FileOption(required: false);
        var listen = new Option<string>("--listen")
        {
            Description = $"Loopback address for /healthz, /readyz and /metrics (default {DefaultListen}; port 0 picks a free one). Other addresses are refused: the endpoints have no TLS or token",
            DefaultValueFactory = _ => DefaultListen,
        };
        var cmd = new Command("run", "Apply manifests (if -f given) and keep every certificate valid until stopped (SIGTERM or Ctrl-C)") { files, listen, cli.Parallelism };
        cmd.SetAction(async (parse, ct) =>
        {
            if (cli.CheckParallelism(parse) is { } bad) return cli.Fail(ExitCodes.InvalidInput, bad);
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out var endpoint))
            {
                return cli.Fail(ExitCodes.InvalidInput, $"--listen: '{parse.GetValue(listen)}' is not an address:port like {DefaultListen}");
            }
            if (!IPAddress.IsLoopback(endpoint.Address))
            {
                // Until the endpoints have TLS and tokens, nothing leaves the machine (DESIGN.md, Safety rules).
                return cli.Fail(ExitCodes.InvalidInput, $"--listen: {endpoint} is not a loopback address; Rotor serves its endpoints without TLS " +
                    "or a token, so it listens on 127.0.0.1 or [::1] only (put a TLS proxy that authenticates in front of it to reach it from elsewhere)");
            }
            if (parse.GetValue(files) is { Length: > 0 } manifests
                && await ManifestLoader.RefuseBeforeCreatingAsync(manifests, cli.DataDirectory(parse), cli, ct) is { } refused) return refused;
            SystemTrust.StartLoading();
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct);
            if (parse.GetValue(files) is { Length: > 0 } paths)
            {
                var applied = await ManifestLoader.ApplyAsync(paths, host, cli, ct);
                if (applied != ExitCodes.Ok) return applied;
            }
            await host.SweepKeysAsync(ct);
            var loop = new ReconcileLoop(host.Reconciler, host.Store, host.Time, loggers.CreateLogger<ReconcileLoop>(), host.WakeFile);
            HttpEndpoints server;
            try
            {
                server = await HttpEndpoints.StartAsync(endpoint, host, loop, loggers, ct);
            }
            catch (IOException e)
            {
                return cli.Fail(ExitCodes.Failed, $"--listen: cannot listen on {endpoint} ({e.Message}); another `rotor run` may be using it " +
                    "(several may share a data folder, each on its own --listen address, e.g. 127.0.0.1:0)");
            }
            await using var running = server;
            var logger = loggers.CreateLogger("Rotor.Run");
            Log.Listening(logger, server.Address);
            var alerting = new Alerts.AlertLoop(host.AlertEvaluator, host.AlertDispatcher, host.Alerts, host.Time, loggers.CreateLogger<Alerts.AlertLoop>());
            var alertTask = alerting.RunAsync(ct);
            using var scanHttp = Scan.ScanHttp.Create();
            var scanTask = new Scan.ScanLoop(host.Store, host.Time, loggers.CreateLogger<Scan.ScanLoop>(), scanHttp) { Histograms = host.ProbeHistograms }.RunAsync(ct);
            try
            {
                await loop.RunAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            Log.ShuttingDown(logger);
            await alertTask;
            await scanTask;
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
