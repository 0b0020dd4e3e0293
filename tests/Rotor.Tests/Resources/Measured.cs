using System.Diagnostics;

namespace Rotor.Tests.Resources;

/// <summary>
/// Tests that measure the whole process's CPU time and allocations, so nothing else runs beside them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredCollection
{
    public const string Name = "measured: hostile manifests";
}

/// <summary>What one call cost: wall time, the process's CPU time, bytes allocated, and how far the peak working set grew.</summary>
public sealed record Measurement(TimeSpan Wall, TimeSpan Cpu, long Allocated, long PeakGrowth)
{
    public static readonly TimeSpan MaxCpu = TimeSpan.FromSeconds(2);
    public const long MaxBytes = 200L * 1024 * 1024;

    public static async Task<(T Result, Measurement Cost)> RunAsync<T>(Func<Task<T>> action)
    {
        using var process = Process.GetCurrentProcess();
        var peakBefore = process.PeakWorkingSet64;
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var result = await action();
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        process.Refresh();
        return (result, new Measurement(clock.Elapsed, process.TotalProcessorTime - cpuBefore, allocated, process.PeakWorkingSet64 - peakBefore));
    }

    public static (T Result, Measurement Cost) Run<T>(Func<T> action) =>
        RunAsync(() => Task.FromResult(action())).GetAwaiter().GetResult();

    /// <summary>
    /// The bound is on CPU time, not wall time: on a shared machine another process can hold the
    /// cores for seconds, but only runaway work makes this process spend two seconds of CPU.
    /// </summary>
    public void AssertBounded()
    {
        Assert.True(Cpu < MaxCpu, $"used {Cpu.TotalMilliseconds:F0} ms of CPU ({this})");
        Assert.True(Allocated < MaxBytes, $"allocated {Allocated / 1e6:F0} MB ({this})");
        Assert.True(PeakGrowth < MaxBytes, $"peak working set grew {PeakGrowth / 1e6:F0} MB ({this})");
    }

    public override string ToString() =>
        $"{Wall.TotalMilliseconds:F0} ms wall, {Cpu.TotalMilliseconds:F0} ms CPU, {Allocated / 1e6:F1} MB allocated, peak working set +{Math.Max(0, PeakGrowth) / 1e6:F1} MB";
}
