using Microsoft.Extensions.Time.Testing;
using Rotor.Core.Resources;
using Rotor.Core.Scan;
using Rotor.Scan;
using Rotor.Storage;
using Rotor.Storage.Sqlite;
using Rotor.Tests.Support;

namespace Rotor.Tests.Scan;

/// <summary>/metrics shows each endpoint of every stored Scan's latest run, labelled by scan and endpoint.</summary>
public class ScanMetricsTests
{
    [Fact]
    public async Task The_latest_run_of_each_scan_is_exported_per_endpoint()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(TestRotor.Start);
        await using var store = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), time.GetUtcNow(), default);
        var scan = new Resource(ResourceKinds.Scan, "edge", new ScanSpec(["10.0.0.5:5061"], []), new ResourceSource(dir.Combine("scan.yaml"), 1));
        await store.ApplyAsync([SpecSerializer.ToStored(scan, time.GetUtcNow())], time.GetUtcNow(), default);
        var notAfter = TestRotor.Start.AddDays(5);
        var result = new EndpointScan
        {
            Endpoint = "10.0.0.5:5061",
            At = time.GetUtcNow(),
            Reachable = true,
            HandshakeMs = 12.5,
            Chain = [new ScannedCertificate { Subject = "CN=sbc", Issuer = "CN=Corp", Serial = "01", Sha256 = "ab", NotAfter = notAfter }],
            ChainValid = true,
            LegacyProtocols = ["TLS 1.0"],
            Ocsp = OcspStatus.Revoked,
            ManagedCertificate = "sip-edge",
        };
        var id = await store.StartScanRunAsync("edge", time.GetUtcNow(), default);
        await store.FinishScanRunAsync(id, [result], time.GetUtcNow(), 10, default);

        var text = await ScanMetrics.RenderAsync(store, default);
        var labels = "{scan=\"edge\",endpoint=\"10.0.0.5:5061\",certificate=\"sip-edge\"}";
        Assert.Contains($"rotor_endpoint_certificate_expiration_timestamp_seconds{labels} {notAfter.ToUnixTimeSeconds()}\n", text, StringComparison.Ordinal);
        Assert.Contains($"rotor_endpoint_up{labels} 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"rotor_endpoint_handshake_seconds{labels} 0.0125\n", text, StringComparison.Ordinal);
        Assert.Contains($"rotor_endpoint_weak_protocol_accepted{labels} 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"rotor_endpoint_weak_cipher_accepted{labels} 0\n", text, StringComparison.Ordinal);
        Assert.Contains($"rotor_endpoint_certificate_revoked{labels} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE rotor_endpoint_managed gauge\n", text, StringComparison.Ordinal);
    }
}
