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
            Description = $"Address for /healthz, /readyz, /metrics and the operator API /api/v1 (default {DefaultListen}; port 0 picks a free one). " +
                "A loopback address serves plain HTTP; any other address needs --tls-certificate and serves HTTPS",
            DefaultValueFactory = _ => DefaultListen,
        };
        var tlsCertificate = new Option<string?>("--tls-certificate")
        {
            Description = "Serve HTTPS with this Certificate resource, which Rotor issues and renews like any other (e.g. from its local CA); " +
                "needed to listen beyond loopback",
        };
        var metricsPublic = new Option<bool>("--metrics-public")
        {
            Description = "Serve /metrics without a token on any address. Without it, /metrics needs a viewer token except on a loopback listener " +
                "(certificate names and expiry times are not for everyone on the network)",
        };
        var cmd = new Command("run", "Apply manifests (if -f given) and keep every certificate valid until stopped (SIGTERM or Ctrl-C); serves the operator API")
        {
            files, listen, tlsCertificate, metricsPublic, cli.Parallelism,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            if (cli.CheckParallelism(parse) is { } bad) return cli.Fail(ExitCodes.InvalidInput, bad);
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out var endpoint))
            {
                return cli.Fail(ExitCodes.InvalidInput, $"--listen: '{parse.GetValue(listen)}' is not an address:port like {DefaultListen}");
            }
            var tlsName = parse.GetValue(tlsCertificate);
            if (!IPAddress.IsLoopback(endpoint.Address) && tlsName is null)
            {
                // DESIGN.md, Safety rules: anything listening beyond loopback needs TLS and a token.
                return cli.Fail(ExitCodes.InvalidInput, $"--listen: {endpoint} is not a loopback address; beyond loopback Rotor serves HTTPS only: " +
                    "give --tls-certificate NAME, a Certificate resource Rotor issues for this server (or listen on 127.0.0.1 or [::1])");
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
            ServerCertificateSource? serverCertificate = null;
            if (tlsName is not null)
            {
                if (await host.Store.GetResourceAsync(Core.Resources.ResourceKinds.Certificate, tlsName, ct) is null)
                {
                    return cli.Fail(ExitCodes.InvalidInput, $"--tls-certificate: no Certificate named '{tlsName}' is stored (apply one first, e.g. issued by the local CA)");
                }
                serverCertificate = new ServerCertificateSource(host, tlsName);
                if (!await serverCertificate.LoadAsync(ct))
                {
                    // The first start: issue it before serving, so the API never answers without TLS.
                    await host.Reconciler.RunPassAsync(ct);
                    if (!await serverCertificate.LoadAsync(ct))
                    {
                        return cli.Fail(ExitCodes.Failed, $"--tls-certificate: certificate '{tlsName}' has no version in service yet and could not be issued now " +
                            "(rotor describe certificate " + tlsName + "); ECDSA or RSA keys only");
                    }
                }
            }
            HttpEndpoints server;
            try
            {
                server = await HttpEndpoints.StartAsync(endpoint, host, loop, loggers,
                    new HttpServeOptions { MetricsPublic = parse.GetValue(metricsPublic), ServerCertificate = serverCertificate }, ct);
            }
            catch (IOException e)
            {
                return cli.Fail(ExitCodes.Failed, $"--listen: cannot listen on {endpoint} ({e.Message}); another `rotor run` may be using it " +
                    "(several may share a data folder, each on its own --listen address, e.g. 127.0.0.1:0)");
            }
            await using var running = server;
            var logger = loggers.CreateLogger("Rotor.Run");
            Log.Listening(logger, server.BaseUri.ToString().TrimEnd('/'));
            // Each stored AcmeServer on its own HTTPS listener; one that cannot start is logged, the rest serve.
            await using var acmeServers = await AcmeServer.AcmeServerHost.StartAllAsync(host, loggers, ct);
            var alerting = new Alerts.AlertLoop(host.AlertEvaluator, host.AlertDispatcher, host.Alerts, host.Time, loggers.CreateLogger<Alerts.AlertLoop>());
            var alertTask = alerting.RunAsync(ct);
            using var scanHttp = Scan.ScanHttp.Create();
            var scanTask = new Scan.ScanLoop(host.Store, host.Time, loggers.CreateLogger<Scan.ScanLoop>(), scanHttp) { Histograms = host.ProbeHistograms }.RunAsync(ct);
            var trimTask = ReturnStartupMemoryAsync(loop, host.Time, ct);
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
            await trimTask;
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>
    /// Once the first pass is done and the service idles, one aggressive collection gives the
    /// operating system back the heap the start-up work used once (the key sweep, the first alert
    /// evaluation over every certificate): without it a service over 10,000 certificates idles at
    /// about twice the memory it needs.
    /// </summary>
    private static async Task ReturnStartupMemoryAsync(ReconcileLoop loop, TimeProvider time, CancellationToken ct)
    {
        try
        {
            while (!loop.Ready) await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
            await Task.Delay(TimeSpan.FromSeconds(10), time, ct);
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
