using Microsoft.Extensions.Time.Testing;
using Rotor.Alerts;
using Rotor.Core.Alerts;
using Rotor.Core.Resources;
using Rotor.Core.Scan;
using Rotor.Storage;
using Rotor.Storage.Sqlite;
using Rotor.Tests.Support;

namespace Rotor.Tests.Scan;

/// <summary>
/// The evaluator judges each stored Scan's latest finished run: a finding fires, an endpoint that did
/// not answer keeps its alerts instead of resolving them, a fixed one resolves, a deleted scan's resolve.
/// </summary>
public class ScanAlertEvaluationTests
{
    private static EndpointScan Found(DateTimeOffset at, IReadOnlyList<string> legacy) => new()
    {
        Endpoint = "10.0.0.5:5061",
        At = at,
        Reachable = true,
        Chain = [new ScannedCertificate { Subject = "CN=sbc", Issuer = "CN=Corp", Serial = "01", Sha256 = "ab", NotBefore = at.AddDays(-1), NotAfter = at.AddDays(300),
            KeyAlgorithm = "ECDSA", KeySize = 256, SignatureAlgorithm = "sha256ECDSA" }],
        ChainValid = true,
        NameMatches = true,
        LegacyProtocols = legacy,
    };

    private static async Task RunAsync(SqliteStore store, DateTimeOffset at, EndpointScan result)
    {
        var id = await store.StartScanRunAsync("edge", at, default);
        await store.FinishScanRunAsync(id, [result], at, keepRuns: 2, default);
    }

    [Fact]
    public async Task A_finding_fires_survives_a_silent_run_and_resolves_when_fixed_or_the_scan_is_deleted()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(TestRotor.Start);
        await using var store = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), time.GetUtcNow(), default);
        var scan = new Resource(ResourceKinds.Scan, "edge", new ScanSpec(["10.0.0.5:5061"], []), new ResourceSource(dir.Combine("scan.yaml"), 1));
        await store.ApplyAsync([SpecSerializer.ToStored(scan, time.GetUtcNow())], time.GetUtcNow(), default);
        var evaluator = new AlertEvaluator(store, store, time);
        async Task<IReadOnlyList<string>> Firing() => [.. (await store.ListFiringAlertsAsync(default)).Select(a => a.Key)];

        await RunAsync(store, time.GetUtcNow(), Found(time.GetUtcNow(), ["TLS 1.0"]));
        await evaluator.EvaluateAsync(default);
        Assert.Equal(["EndpointLegacyTls/edge/10.0.0.5:5061"], await Firing());

        // The endpoint did not answer: nothing is known, so nothing resolves.
        time.Advance(TimeSpan.FromHours(6));
        await RunAsync(store, time.GetUtcNow(), new EndpointScan { Endpoint = "10.0.0.5:5061", At = time.GetUtcNow(), Error = "connect: connection refused" });
        await evaluator.EvaluateAsync(default);
        Assert.Equal(["EndpointLegacyTls/edge/10.0.0.5:5061"], await Firing());

        time.Advance(TimeSpan.FromHours(6));
        await RunAsync(store, time.GetUtcNow(), Found(time.GetUtcNow(), []));
        await evaluator.EvaluateAsync(default);
        Assert.Empty(await Firing());
        var resolved = Assert.Single(await store.ListAlertsAsync(includeResolved: true, 10, default));
        Assert.NotNull(resolved.ResolvedAt);

        // Found again, then the Scan is deleted: its alerts resolve. History stays bounded (keepRuns).
        time.Advance(TimeSpan.FromHours(6));
        await RunAsync(store, time.GetUtcNow(), Found(time.GetUtcNow(), ["TLS 1.1"]));
        await evaluator.EvaluateAsync(default);
        Assert.Single(await Firing());
        Assert.Equal(2, (await store.ListEndpointHistoryAsync("10.0.0.5:5061", 100, default)).Count);
        Assert.True(await store.DeleteResourceAsync(ResourceKinds.Scan, "edge", default));
        await evaluator.EvaluateAsync(default);
        Assert.Empty(await Firing());
    }
}
