using System.Globalization;
using Rotor.Cli;
using Rotor.Core.Alerts;
using Rotor.Core.Scan;
using Rotor.IntegrationTests.Support;
using Rotor.Storage.Sqlite;
using Rotor.Tests.Support;

namespace Rotor.IntegrationTests.Scan;

/// <summary>
/// The acceptance of the discovery scan: a stored Scan over real TLS endpoints on 127.0.0.1 finds the
/// one serving a Rotor-managed certificate (marked managed, no alert), and raises the alerts of the
/// others: expiring in 5 days, expired, accepting TLS 1.0 (named), revoked at the `openssl ocsp` responder.
/// </summary>
public class DiscoveryScanTests
{
    [Fact]
    public async Task A_scan_marks_the_managed_endpoint_and_alerts_on_expiring_expired_tls10_and_revoked_ones()
    {
        await using var lab = await ScanLab.StartAsync();
        if (!EnvScript.Require(lab.Available, lab.Problem, "scan lab")) return;
        using var dir = new TempDir();
        var data = dir.Combine("data");

        // A certificate Rotor issues into a file target, then served by one of the endpoints.
        File.WriteAllText(dir.Combine("rotor.yaml"), LocalCaManifest.Text("dnsNames: [localhost]\nipAddresses: [127.0.0.1]"));
        var (code, output) = await RotorAsync("reconcile", "-f", dir.Combine("rotor.yaml"), "--data", data);
        Assert.True(code == 0, output);

        await lab.StartEndpointAsync(1, "--cert", dir.Combine("out", "cert.pem"), "--key", dir.Combine("out", "key.pem"));
        await lab.StartEndpointAsync(2, "--days", "5");
        await lab.StartEndpointAsync(3, "--days", "-1");
        await lab.StartEndpointAsync(4, "--tls1", "--days", "90");
        await lab.StartEndpointAsync(5, "--cert", lab.CertificatePath("revoked"), "--key", lab.KeyPath("revoked"));

        // Both roots are trusted, so the chain rule stays quiet and every finding below is the one under test.
        File.WriteAllText(dir.Combine("roots.pem"), File.ReadAllText(lab.CaRoot) + File.ReadAllText(Path.Combine(data, "ca", "root.pem")));
        var range = $"127.0.0.1:{ScanLab.Port(1)}-{ScanLab.Port(5)}";
        File.WriteAllText(dir.Combine("scan.yaml"), $"""
            apiVersion: rotor/v1
            kind: Scan
            metadata: {"{"}name: lab{"}"}
            spec:
              endpoints: ["{range}"]
              interval: 1h
              concurrency: 5
              timeout: 10s
              caBundle: roots.pem

            """);
        (code, output) = await RotorAsync("apply", "-f", dir.Combine("scan.yaml"), "--data", data);
        Assert.True(code == 0, output);

        // `rotor scan NAME` runs the stored scan, keeps its results and evaluates the alerts once.
        (code, output) = await RotorAsync("scan", "lab", "--data", data);
        Assert.True(code == 1, output); // findings: exit 1

        await using var store = await SqliteStore.OpenAsync(Path.Combine(data, "rotor.db"), TimeProvider.System.GetUtcNow(), default, create: false);
        var run = await store.GetLatestScanRunAsync("lab", default);
        Assert.NotNull(run);
        var results = (await store.ListScanResultsAsync(run.Id, default)).ToDictionary(r => r.Endpoint);
        Assert.Equal(5, results.Count);
        string E(int slot) => $"127.0.0.1:{ScanLab.Port(slot)}";

        var managed = results[E(1)];
        Assert.Equal("sip-edge", managed.ManagedCertificate);
        Assert.True(managed.ManagedCurrent);
        Assert.Equal(1, managed.ManagedVersion);
        Assert.All(results.Where(r => r.Key != E(1)), r => Assert.Null(r.Value.ManagedCertificate));

        var alerts = await store.ListFiringAlertsAsync(default);
        string Alerts(int slot) => string.Join(", ", alerts.Where(a => a.Labels.GetValueOrDefault("endpoint") == E(slot)).Select(a => a.Rule).Order(StringComparer.Ordinal));
        Assert.Equal("", Alerts(1));

        var expiring = Assert.Single(alerts, a => a.Rule == ScanAlertRules.EndpointCertificateExpiring);
        Assert.Equal(E(2), expiring.Labels["endpoint"]);
        Assert.Equal("lab", expiring.Labels["scan"]);
        Assert.Equal("7d", expiring.Stage);
        Assert.Equal(AlertSeverity.Critical, expiring.Severity);
        Assert.Equal(ScanAlertRules.EndpointCertificateExpiring, Alerts(2));

        Assert.Equal(ScanAlertRules.EndpointCertificateExpired, Alerts(3));

        var legacy = Assert.Single(alerts, a => a.Rule == ScanAlertRules.EndpointLegacyTls);
        Assert.Equal(E(4), legacy.Labels["endpoint"]);
        Assert.Equal("TLS 1.0", legacy.Labels["protocol"]);
        Assert.Contains("accepts TLS 1.0", legacy.Summary, StringComparison.Ordinal);
        Assert.Equal(["TLS 1.0"], results[E(4)].LegacyProtocols);
        Assert.Empty(results[E(2)].LegacyProtocols); // a default s_server refuses a TLS 1.0 hello at Debian's security level

        var revoked = Assert.Single(alerts, a => a.Rule == ScanAlertRules.EndpointCertificateRevoked);
        Assert.Equal(E(5), revoked.Labels["endpoint"]);
        Assert.Equal(OcspStatus.Revoked, results[E(5)].Ocsp);
        Assert.Contains("keyCompromise", revoked.Description, StringComparison.Ordinal);
        // The responder was really asked about the revoked leaf's serial, and said so.
        Assert.Contains($"{results[E(5)].Leaf!.Serial}=revoked", lab.OcspRequests, StringComparison.OrdinalIgnoreCase);

        // The one-off table names the findings too.
        Assert.Contains("accepts TLS 1.0", output, StringComparison.Ordinal);
        Assert.Contains("sip-edge v1", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> RotorAsync(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var code = await RotorCli.InvokeAsync(args, output, output);
        return (code, output.ToString());
    }
}
