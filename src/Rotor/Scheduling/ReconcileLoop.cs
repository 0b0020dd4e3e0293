using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;
using Rotor.Telemetry;

namespace Rotor.Scheduling;

/// <summary>
/// <c>rotor run</c>'s heart: a pass, then sleep until the earliest due time in the store (not a
/// fixed tick), or until woken by a change (an apply or renew touching the wake file).
/// </summary>
public sealed class ReconcileLoop(Reconciler reconciler, IStore store, TimeProvider time, ILogger<ReconcileLoop> logger, string? wakeFile)
{
    /// <summary>Longest sleep when nothing is due sooner: a safety net for a lost wake-up, not a tick.</summary>
    public static readonly TimeSpan MaximumSleep = TimeSpan.FromHours(1);

    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    /// <summary>True once the first pass has finished.</summary>
    public bool Ready { get; private set; }

    public int Passes { get; private set; }

    public void Wake() => _wake.Release();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var watcher = CreateWatcher();
        while (!cancellationToken.IsCancellationRequested)
        {
            var batchFull = false;
            try
            {
                var result = await reconciler.RunPassAsync(cancellationToken);
                batchFull = result.Processed >= reconciler.BatchSize;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.PassCrashed(logger, e);
            }
            Ready = true;
            Passes++;
            if (batchFull) continue;

            var now = time.GetUtcNow();
            var next = await store.GetEarliestDueAsync(now, cancellationToken);
            var delay = next is { } n ? n - now : MaximumSleep;
            if (delay > MaximumSleep) delay = MaximumSleep;
            if (delay <= TimeSpan.Zero) continue;
            Log.Sleeping(logger, delay, now + delay, next);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sleep = Task.Delay(delay, time, cts.Token);
            var woken = _wake.WaitAsync(cts.Token);
            await Task.WhenAny(sleep, woken);
            await cts.CancelAsync();
            while (_wake.CurrentCount > 0) _wake.Wait(0, CancellationToken.None);
        }
    }

    private FileSystemWatcher? CreateWatcher()
    {
        if (wakeFile is null) return null;
        var dir = Path.GetDirectoryName(wakeFile)!;
        var watcher = new FileSystemWatcher(dir, Path.GetFileName(wakeFile))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
        };
        watcher.Changed += (_, _) => Wake();
        watcher.Created += (_, _) => Wake();
        watcher.EnableRaisingEvents = true;
        return watcher;
    }
}
