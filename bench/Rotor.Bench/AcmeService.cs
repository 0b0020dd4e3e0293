using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Rotor.Cli;
using Rotor.Scheduling;
using Rotor.Telemetry;

namespace Rotor.Bench;

/// <summary>
/// <c>acme-service</c>: Rotor as the long-running service a user applies manifests to, in one
/// already-started process. Untimed: process start-up, optional warm-up issuances (<c>--warmup-count</c>,
/// each with its own data folder, so its own issuer, HTTPS connection and account: the code that
/// issues has run a few times, as in a service that has been up for a while), and
/// opening the host on the (empty) data folder of the measured run. With <c>--warmup-pause-ms</c>
/// each warm-up is followed by that much idle time, and <c>--settle-ms</c> is idle time after the
/// last one: a service that has been up for a while has its issuance path compiled to optimized
/// code (tiered compilation counts calls only once the process has been quiet for 100 ms, then
/// compiles on a background thread). Warm-ups back to back leave that compilation to the timed
/// steps, where it competes for the cores with the CA.
/// Timed, per step: applying one
/// manifest (<see cref="ManifestLoader.ApplyAsync"/>, as <c>rotor apply</c> / <c>rotor run -f</c> do) and
/// the reconciler's passes (<see cref="Reconciler.RunPassAsync"/>, as <c>rotor run</c>'s loop calls
/// them) until nothing is due: every certificate of the step issued, checked, deployed and active.
/// The first step of a run pays the issuer's account registration (key, directory, TLS
/// handshake, newAccount), as the peers do on an empty state folder.
/// Steps are the manifest files of <c>--manifests DIR</c> in ordinal order; a sequential scenario
/// gives one file per certificate (applied one after another, like one peer process after another),
/// a batch one file with every certificate. Prints <c>acme_service_step_seconds=</c> per step and
/// <c>acme_service_seconds=</c> (sum of the steps, i.e. first apply to last certificate active).
/// </summary>
internal static class AcmeService
{
    /// <summary>A certificate still due after this many passes is a bug, not a slow CA: stop rather than spin.</summary>
    private const int MaximumPasses = 100;

    public static async Task<int> RunAsync(string data, string manifests, int parallelism, string? warmupData, string? warmupManifest,
        int warmupCount, int warmupPauseMs, int settleMs, bool traceHttp, CancellationToken cancellationToken)
    {
        if (parallelism < 1) throw new ArgumentException("--parallelism must be >= 1");
        var steps = Directory.EnumerateFiles(manifests, "*.yaml").Order(StringComparer.Ordinal).ToList();
        if (steps.Count == 0) throw new ArgumentException($"--manifests: no *.yaml in {manifests}");
        var time = TimeProvider.System;
        var cli = new CliContext(Console.Out, Console.Error, time);
        using var loggers = LoggerFactory.Create(b =>
        {
            b.ClearProviders();
            b.SetMinimumLevel(LogLevel.Information);
            b.AddFilter("Microsoft", LogLevel.Warning);
            b.AddProvider(new TextWriterLoggerProvider(Console.Error, time, LogLevel.Information, json: false));
        });
        var options = new ReconcilerOptions { Parallelism = parallelism };

        if (warmupData is not null && warmupManifest is not null)
        {
            if (warmupCount < 1) throw new ArgumentException("--warmup-count must be >= 1");
            if (warmupPauseMs < 0 || settleMs < 0) throw new ArgumentException("--warmup-pause-ms and --settle-ms must be >= 0");
            var warm = Stopwatch.StartNew();
            for (var k = 1; k <= warmupCount; k++)
            {
                var folder = warmupCount == 1 ? warmupData : warmupData + "-" + k.ToString(CultureInfo.InvariantCulture);
                await using var host = await RotorHost.OpenAsync(folder, time, loggers, options, cancellationToken);
                var (code, _) = await StepAsync(host, cli, warmupManifest, cancellationToken);
                if (code != ExitCodes.Ok)
                {
                    await Console.Error.WriteLineAsync($"error: warm-up issuance {k} failed");
                    return code;
                }
                if (warmupPauseMs > 0) await Task.Delay(warmupPauseMs, cancellationToken);
            }
            if (settleMs > 0) await Task.Delay(settleMs, cancellationToken);
            Program.Figure("acme_service_warmup_seconds", warm.Elapsed.TotalSeconds);
        }

        using var trace = traceHttp ? new AcmeHttpTrace(Console.Error) : null;
        await using var timedHost = await RotorHost.OpenAsync(data, time, loggers, options, cancellationToken);
        var total = TimeSpan.Zero;
        foreach (var step in steps)
        {
            var (code, elapsed) = await StepAsync(timedHost, cli, step, cancellationToken);
            total += elapsed;
            Program.Figure("acme_service_step_seconds", elapsed.TotalSeconds);
            if (code != ExitCodes.Ok) return code;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"acme_service_steps={steps.Count}"));
        Program.Figure("acme_service_seconds", total.TotalSeconds);
        return ExitCodes.Ok;
    }

    /// <summary>Apply one manifest, then run passes until nothing is due; failed if any certificate failed.</summary>
    private static async Task<(int Code, TimeSpan Elapsed)> StepAsync(RotorHost host, CliContext cli, string manifest, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var applied = await ManifestLoader.ApplyAsync([manifest], host, cli, cancellationToken);
        if (applied != ExitCodes.Ok) return (applied, Stopwatch.GetElapsedTime(started));
        var failed = 0;
        for (var passes = 0; passes < MaximumPasses; passes++)
        {
            var pass = await host.Reconciler.RunPassAsync(cancellationToken);
            failed += pass.Failed;
            if (pass.Processed == 0 || pass.Failed > 0) break;
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        return (failed > 0 ? ExitCodes.Failed : ExitCodes.Ok, elapsed);
    }
}
