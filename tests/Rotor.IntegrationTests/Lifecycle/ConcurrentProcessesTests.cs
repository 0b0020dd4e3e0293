using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Rotor.Core.Rotation;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Lifecycle;

/// <summary>
/// Two Rotor processes on one data folder, as operators run them by mistake or on purpose
/// (a cron <c>rotor reconcile</c> left beside <c>rotor run</c>; two services): with 60 certificates
/// due, every certificate is issued exactly once, every deployed key matches its certificate and
/// is the key the store holds for that version.
/// </summary>
public class ConcurrentProcessesTests
{
    private const int Certificates = 60;

    [Fact]
    public Task Run_and_reconcile_on_one_folder_issue_each_certificate_exactly_once() =>
        TwoProcessesAsync(data => ["reconcile", "--data", data]);

    [Fact]
    public Task Two_runs_on_one_folder_issue_each_certificate_exactly_once() =>
        TwoProcessesAsync(data => ["run", "--data", data, "--listen", "127.0.0.1:0"]);

    private static async Task TwoProcessesAsync(Func<string, string[]> second)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest());
        var data = dir.Combine("data");
        var (code, _, err) = await RotorProcess.RunAsync(dir.Path, TimeSpan.FromSeconds(60), "apply", "-f", "rotor.yaml", "--data", data);
        Assert.True(code == 0, err);

        using var run = RotorProcess.Start(dir.Path, null, "run", "--data", data, "--listen", "127.0.0.1:0");
        using var other = RotorProcess.Start(dir.Path, null, second(data));
        await Wait.UntilAsync(() => ActiveVersions(data) >= Certificates || run.HasExited, TimeSpan.FromSeconds(120),
            () => $"{ActiveVersions(data)} of {Certificates} active; run stderr:\n{run.Errors}\nother stderr:\n{other.Errors}");
        Assert.False(run.HasExited, run.Errors);
        run.Terminate();
        Assert.Equal(0, await run.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        // A reconcile is a one-off: it ends by itself (after its alert pass), and stopping it half-way
        // would rightly exit 130. A second `rotor run` is stopped like the first.
        if (!other.HasExited && second("d")[0] != "reconcile") other.Terminate();
        var otherCode = await other.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(otherCode == 0, $"exit {otherCode}; stderr:\n{other.Errors}");

        await using var host = await RotorHost.OpenAsync(data, TimeProvider.System, NullLoggerFactory.Instance, null, default);
        var keyRefs = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Certificates; i++)
        {
            var name = $"c{i:D2}";
            var version = Assert.Single(await host.Store.ListVersionsAsync(name, default));
            Assert.Equal(VersionState.Active, version.State);
            Assert.True(keyRefs.Add(version.KeyRef), $"{name} shares key {version.KeyRef} with another version");
            var issued = (await host.Store.ListEventsAsync("Certificate", name, 100, default)).Count(e => e.Reason == "Issued");
            Assert.Equal(1, issued);

            using var cert = X509CertificateLoader.LoadCertificateFromFile(dir.Combine("out", name, "cert.pem"));
            Assert.Equal(version.Serial, cert.SerialNumber);
            var certKey = cert.PublicKey.ExportSubjectPublicKeyInfo();
            using var deployedKey = ECDsa.Create();
            deployedKey.ImportFromPem(File.ReadAllText(dir.Combine("out", name, "key.pem")));
            Assert.Equal(certKey, deployedKey.ExportSubjectPublicKeyInfo());
            using var storedKey = await host.Keys.LoadAsync(version.KeyRef, default);
            Assert.Equal(certKey, storedKey!.ExportSubjectPublicKeyInfo());
        }
        var keyFiles = (await host.Keys.ListAsync(default)).Where(k => k != "ca-root").ToList();
        Assert.Equal(keyRefs.Order(StringComparer.Ordinal), keyFiles.Order(StringComparer.Ordinal));
    }

    private static long ActiveVersions(string data)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(data, "rotor.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM certificate_versions WHERE state = 'Active'";
        return (long)cmd.ExecuteScalar()!;
    }

    private static string Manifest()
    {
        var text = new StringBuilder("""
            apiVersion: rotor/v1
            kind: Issuer
            metadata: {name: local}
            spec: {ca: {}}
            ---
            apiVersion: rotor/v1
            kind: Target
            metadata: {name: out}
            spec: {file: {reload: {command: 'echo "$ROTOR_CERTIFICATE $ROTOR_VERSION" >> reload.log'}}}
            """);
        for (var i = 0; i < Certificates; i++)
        {
            text.Append($$"""

                ---
                apiVersion: rotor/v1
                kind: Certificate
                metadata: {name: c{{i:D2}}}
                spec:
                  dnsNames: [c{{i:D2}}.example.test]
                  issuerRef: {name: local}
                  deploy: [{target: out, path: out/c{{i:D2}}}]
                """);
        }
        return text.Append('\n').ToString();
    }
}
