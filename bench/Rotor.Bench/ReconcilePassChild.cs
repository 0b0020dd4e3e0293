using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using static Rotor.Bench.Program;

namespace Rotor.Bench;

/// <summary>
/// What <c>rotor reconcile</c> does, step by step inside a fresh process: open, key sweep, one
/// pass (the figure the 0.5 s target is about), then a second pass once everything is jitted.
/// </summary>
internal static class ReconcilePassChild
{
    public static async Task<int> RunAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await using var host = await RotorHost.OpenAsync(dataDirectory, TimeProvider.System, NullLoggerFactory.Instance, null, cancellationToken);
        var opened = Stopwatch.GetElapsedTime(started);

        // `rotor reconcile` sweeps stray keys before its pass; timed apart, since it lists every key.
        started = Stopwatch.GetTimestamp();
        var (swept, _) = await host.SweepKeysAsync(cancellationToken);
        var sweep = Stopwatch.GetElapsedTime(started);

        started = Stopwatch.GetTimestamp();
        var first = await host.Reconciler.RunPassAsync(cancellationToken);
        var pass = Stopwatch.GetElapsedTime(started);

        // A second pass shows what is left once the code is jitted (what `rotor run` pays each time).
        started = Stopwatch.GetTimestamp();
        var second = await host.Reconciler.RunPassAsync(cancellationToken);
        var warm = Stopwatch.GetElapsedTime(started);

        Figure("open_ms", opened.TotalMilliseconds);
        Figure("sweep_ms", sweep.TotalMilliseconds);
        Figure("swept", swept);
        Figure("pass_ms", pass.TotalMilliseconds);
        Figure("warm_pass_ms", warm.TotalMilliseconds);
        Figure("processed", first.Processed + second.Processed);
        Figure("peak_rss_mib", ProcessStats.PeakRssMiB());
        return 0;
    }
}
