using System.Globalization;
using Rotor.Cli;
using Rotor.Core.Alerts;
using Rotor.Core.Scan;
using Rotor.IntegrationTests.Support;
using Rotor.Storage.Sqlite;
using Rotor.Tests.Support;

namespace Rotor.IntegrationTests.Scan;

/// <summary>
/// The acceptance of the discovery scan: a stored Scan over real Kamailio instances on 127.0.0.1 (the SIP
/// proxy Rotor's users run, started from tests/env/sip) finds the one serving a Rotor-managed certificate
/// (marked managed, no alert), and raises the alerts of the others: expiring in 5 days, expired, accepting
/// TLS 1.0 (named), revoked at the `openssl ocsp` responder.
/// </summary>
public class DiscoveryScanTests
{
    [Fact]
    public async Task A_scan_over_Kamailio_marks_the_managed_endpoint_and_alerts_on_expiring_expired_tls10_and_revoked_ones()
    {
        await using var lab = await ScanLab.StartAsync();
        if (!EnvScript.Require(lab.Available, lab.Problem, "scan lab")) return;
        using var dir = new TempDir();
        var data = dir.Combine("data");

        // A certificate Rotor issues into a file target, then served by one of the Kamailio instances.
        File.WriteAllText(dir.Combine("rotor.yaml"), LocalCaManifest.Text("dnsNames: [localhost]\nipAddresses: [127.0.0.1]"));
        var (code, output) = await RotorAsync("reconcile", "-f", dir.Combine("rotor.yaml"), "--data", data);
        Assert.True(code == 0, output);

        var instances = new List<KamailioLab>();
        try
        {
            async Task<string?> KamailioAsync(KamailioLabOptions options)
            {
                var kamailio = await KamailioLab.StartAsync(options);
                instances.Add(kamailio);
                return kamailio.Require() ? $"127.0.0.1:{kamailio.TlsPort}" : null;
            }
            var managedAt = await KamailioAsync(new() { Serve = new LabCertificate(dir.Combine("out", "cert.pem"), dir.Combine("out", "key.pem"), "") });
            if (managedAt is null) return; // no Kamailio here (fails under CI=true)
            var expiringAt = await KamailioAsync(new() { Serve = await lab.IssueAsync("expiring", 5) });
            var expiredAt = await KamailioAsync(new() { Serve = await lab.IssueAsync("expired", -1) });
            var legacyAt = await KamailioAsync(new() { Serve = await lab.IssueAsync("legacy", 90), TlsMethod = "TLSv1+", CipherList = "DEFAULT:@SECLEVEL=0" });
            var revokedAt = await KamailioAsync(new() { Serve = new LabCertificate(lab.CertificatePath("revoked"), lab.KeyPath("revoked"), "") });
            await ScanAndCheckAsync(lab, dir, data, managedAt, expiringAt!, expiredAt!, legacyAt!, revokedAt!);
        }
        finally
        {
            foreach (var kamailio in instances) await kamailio.DisposeAsync();
        }
    }

    private static async Task ScanAndCheckAsync(ScanLab lab, TempDir dir, string data, string managedAt, string expiringAt, string expiredAt, string legacyAt, string revokedAt)
    {
        // Both roots are trusted, so the chain rule stays quiet and every finding below is the one under test.
        File.WriteAllText(dir.Combine("roots.pem"), File.ReadAllText(lab.CaRoot) + File.ReadAllText(Path.Combine(data, "ca", "root.pem")));
        var endpoints = string.Join(", ", new[] { managedAt, expiringAt, expiredAt, legacyAt, revokedAt }.Select(e => $"\"{e}\""));
        File.WriteAllText(dir.Combine("scan.yaml"), $"""
            apiVersion: rotor/v1
            kind: Scan
            metadata: {"{"}name: lab{"}"}
            spec:
              endpoints: [{endpoints}]
              interval: 1h
              concurrency: 5
              timeout: 10s
              caBundle: roots.pem

            """);
        var (code, output) = await RotorAsync("apply", "-f", dir.Combine("scan.yaml"), "--data", data);
        Assert.True(code == 0, output);

        // `rotor scan NAME` runs the stored scan, keeps its results and evaluates the alerts once.
        (code, output) = await RotorAsync("scan", "lab", "--data", data);
        Assert.True(code == 1, output); // findings: exit 1

        await using var store = await SqliteStore.OpenAsync(Path.Combine(data, "rotor.db"), TimeProvider.System.GetUtcNow(), default, create: false);
        var run = await store.GetLatestScanRunAsync("lab", default);
        Assert.NotNull(run);
        var results = (await store.ListScanResultsAsync(run.Id, default)).ToDictionary(r => r.Endpoint);
        Assert.Equal(5, results.Count);

        var managed = results[managedAt];
        Assert.Equal("sip-edge", managed.ManagedCertificate);
        Assert.True(managed.ManagedCurrent);
        Assert.Equal(1, managed.ManagedVersion);
        Assert.All(results.Where(r => r.Key != managedAt), r => Assert.Null(r.Value.ManagedCertificate));

        var alerts = await store.ListFiringAlertsAsync(default);
        string Alerts(string endpoint) => string.Join(", ", alerts.Where(a => a.Labels.GetValueOrDefault("endpoint") == endpoint).Select(a => a.Rule).Order(StringComparer.Ordinal));
        Assert.Equal("", Alerts(managedAt));

        var expiring = Assert.Single(alerts, a => a.Rule == ScanAlertRules.EndpointCertificateExpiring);
        Assert.Equal(expiringAt, expiring.Labels["endpoint"]);
        Assert.Equal("lab", expiring.Labels["scan"]);
        Assert.Equal("7d", expiring.Stage);
        Assert.Equal(AlertSeverity.Critical, expiring.Severity);
        Assert.Equal(ScanAlertRules.EndpointCertificateExpiring, Alerts(expiringAt));

        Assert.Equal(ScanAlertRules.EndpointCertificateExpired, Alerts(expiredAt));

        var legacy = Assert.Single(alerts, a => a.Rule == ScanAlertRules.EndpointLegacyTls);
        Assert.Equal(legacyAt, legacy.Labels["endpoint"]);
        // Kamailio's "TLSv1+" method accepts every version from 1.0 up, so both legacy versions are named.
        Assert.Equal("TLS 1.0 and TLS 1.1", legacy.Labels["protocol"]);
        Assert.Contains("accepts TLS 1.0", legacy.Summary, StringComparison.Ordinal);
        Assert.Equal(["TLS 1.0", "TLS 1.1"], results[legacyAt].LegacyProtocols);
        Assert.Empty(results[expiringAt].LegacyProtocols); // Kamailio's default method (TLSv1.2+) refuses a TLS 1.0 hello

        var revoked = Assert.Single(alerts, a => a.Rule == ScanAlertRules.EndpointCertificateRevoked);
        Assert.Equal(revokedAt, revoked.Labels["endpoint"]);
        Assert.Equal(OcspStatus.Revoked, results[revokedAt].Ocsp);
        Assert.Contains("keyCompromise", revoked.Description, StringComparison.Ordinal);
        // The responder was really asked about the revoked leaf's serial, and said so.
        Assert.Contains($"{results[revokedAt].Leaf!.Serial}=revoked", lab.OcspRequests, StringComparison.OrdinalIgnoreCase);

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
