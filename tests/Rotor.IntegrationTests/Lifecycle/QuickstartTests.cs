using System.Text.RegularExpressions;
using Rotor.IntegrationTests.Support;
using Rotor.Testing;

namespace Rotor.IntegrationTests.Lifecycle;

/// <summary>
/// The README's first command, on a clean copy of examples/quickstart: `rotor run` issues both
/// certificates, writes them, reloads, serves its endpoints, and stops cleanly on SIGTERM.
/// </summary>
public class QuickstartTests
{
    [Fact]
    public async Task Rotor_run_on_the_quickstart_issues_writes_verifies_and_reloads()
    {
        using var dir = new TempDir();
        var site = dir.Combine("quickstart");
        // Only the manifests: a developer's earlier run may have left out/ and rotor-data/ beside them.
        Directory.CreateDirectory(site);
        foreach (var manifest in Directory.GetFiles(Path.Combine(Checkout.Root(), "examples", "quickstart"), "*.yaml"))
        {
            File.Copy(manifest, Path.Combine(site, Path.GetFileName(manifest)));
        }
        using var rotor = RotorProcess.Start(site, null, "run", "-f", ".", "--listen", "127.0.0.1:0");

        var reloadLog = Path.Combine(site, "out", "reload.log");
        await Wait.UntilAsync(() => File.Exists(reloadLog) && File.ReadAllLines(reloadLog).Length >= 2 || rotor.HasExited,
            TimeSpan.FromSeconds(60), () => "two reloads; stderr:\n" + rotor.Errors);
        Assert.False(rotor.HasExited, rotor.Errors);
        var reloads = File.ReadAllLines(reloadLog);
        Assert.Contains(reloads, l => l.Contains("reloaded sip-edge", StringComparison.Ordinal));
        Assert.Contains(reloads, l => l.Contains("reloaded sip-trunk", StringComparison.Ordinal));

        foreach (var name in new[] { "sip-edge", "sip-trunk" })
        {
            var folder = Path.Combine(site, "out", name);
            var (verify, verifyOut) = await OpenSsl.RunAsync("verify", "-CAfile", Path.Combine(folder, "chain.pem"), Path.Combine(folder, "fullchain.pem"));
            Assert.True(verify == 0, verifyOut);
            var (_, fromKey) = await OpenSsl.RunAsync("pkey", "-in", Path.Combine(folder, "key.pem"), "-pubout");
            var (_, fromCert) = await OpenSsl.RunAsync("x509", "-in", Path.Combine(folder, "cert.pem"), "-noout", "-pubkey");
            Assert.Contains("BEGIN PUBLIC KEY", fromKey, StringComparison.Ordinal);
            Assert.Equal(fromCert.Trim(), fromKey.Trim());
            var (_, text) = await OpenSsl.RunAsync("x509", "-in", Path.Combine(folder, "cert.pem"), "-noout", "-ext", "subjectAltName");
            Assert.Contains("DNS:sip.example.test", text, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, "key.pem")));
        }

        // The service's endpoints, on loopback, at the port it printed.
        var match = Regex.Match(rotor.Errors, @"on http://(127\.0\.0\.1:\d+)");
        Assert.True(match.Success, rotor.Errors);
        using var http = new HttpClient { BaseAddress = new Uri("http://" + match.Groups[1].Value) };
        Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
        await Wait.UntilAsync(() => http.GetAsync("/readyz").Result.IsSuccessStatusCode, TimeSpan.FromSeconds(10), () => "readyz");
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Matches(@"rotor_certificate_expiration_timestamp_seconds\{name=""sip-edge"",issuer=""local""\} \d{10}", metrics);
        Assert.Matches(@"rotor_certificate_renewal_timestamp_seconds\{name=""sip-trunk"",issuer=""local""\} \d{10}", metrics);
        Assert.Contains("rotor_certificate_ready_status{name=\"sip-edge\",issuer=\"local\",condition=\"True\"} 1", metrics, StringComparison.Ordinal);
        // Alert and probe series are there from the start (counters at zero), so dashboards and rules find them.
        Assert.Contains("# TYPE rotor_probe_handshake_seconds histogram", metrics, StringComparison.Ordinal);
        Assert.Contains("rotor_probes_total{source=\"gate\",result=\"success\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("rotor_alerts_firing{severity=\"critical\"} 0", metrics, StringComparison.Ordinal);

        // Structured logs carry event ids: issued (6001), deployed (3001).
        Assert.Contains("[6001]", rotor.Errors, StringComparison.Ordinal);
        Assert.Contains("[3001]", rotor.Errors, StringComparison.Ordinal);

        rotor.Terminate();
        Assert.Equal(0, await rotor.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("[7002]", rotor.Errors, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(site, "rotor-data")), "state lives in ./rotor-data by default");
    }
}
