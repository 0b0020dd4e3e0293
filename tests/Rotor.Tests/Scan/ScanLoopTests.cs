using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rotor.Core.Resources;
using Rotor.Scan;
using Rotor.Storage;
using Rotor.Storage.Sqlite;
using Rotor.Tests.Support;

namespace Rotor.Tests.Scan;

/// <summary>`rotor run` scans each stored Scan when its interval has passed since its last finished run, kept in the store.</summary>
public class ScanLoopTests
{
    [Fact]
    public async Task A_scan_runs_when_due_and_not_again_before_its_interval_even_after_a_restart()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(TestRotor.Start);
        var path = dir.Combine("rotor.db");
        // Port 1 on loopback refuses at once: the run finishes without waiting on any timer.
        var scan = new Resource(ResourceKinds.Scan, "edge", new ScanSpec(["127.0.0.1:1"], []) { Interval = TimeSpan.FromHours(6) },
            new ResourceSource(dir.Combine("scan.yaml"), 1));
        using var http = ScanHttp.Create();
        await using (var store = await SqliteStore.OpenAsync(path, time.GetUtcNow(), default))
        {
            await store.ApplyAsync([SpecSerializer.ToStored(scan, time.GetUtcNow())], time.GetUtcNow(), default);
            var loop = new ScanLoop(store, time, NullLogger.Instance, http);
            Assert.Equal(1, await loop.RunDueAsync(default));
            Assert.Equal(0, await loop.RunDueAsync(default));
            var run = await store.GetLatestScanRunAsync("edge", default);
            var result = Assert.Single(await store.ListScanResultsAsync(run!.Id, default));
            Assert.False(result.Reachable);
            Assert.StartsWith("connect:", result.Error, StringComparison.Ordinal);
        }
        time.Advance(TimeSpan.FromHours(5));
        await using (var reopened = await SqliteStore.OpenAsync(path, time.GetUtcNow(), default))
        {
            var loop = new ScanLoop(reopened, time, NullLogger.Instance, http);
            Assert.Equal(0, await loop.RunDueAsync(default));
            time.Advance(TimeSpan.FromHours(1));
            Assert.Equal(1, await loop.RunDueAsync(default));
        }
    }
}
