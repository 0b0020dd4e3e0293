using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Rotor.Core.Rotation;
using Rotor.IntegrationTests.Support;
using Rotor.Scheduling;

namespace Rotor.IntegrationTests.Lifecycle;

/// <summary>
/// kill -9 at the costly points of an issuance, then start again: the job finishes without a
/// second issuance and no key is left that nothing refers to.
/// </summary>
public class CrashRecoveryTests
{
    private const string Manifest = """
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: local}
        spec: {ca: {}}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: out}
        spec: {file: {path: out, reload: {command: 'echo reloaded >> reload.log'}}}
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: sip-edge}
        spec:
          dnsNames: [sip.example.test]
          issuerRef: {name: local}
          deploy: [{target: out}]
        """;

    [Theory]
    [InlineData(FaultPoints.AfterIssue)]
    [InlineData(FaultPoints.AfterKey)]
    public async Task Killed_mid_issuance_it_finishes_without_issuing_twice_or_leaving_stray_keys(string point)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest);
        var data = dir.Combine("data");
        var marker = dir.Combine("paused");
        using (var first = RotorProcess.Start(dir.Path, new Dictionary<string, string>
        {
            ["ROTOR_FAULT_PAUSE_AT"] = point,
            ["ROTOR_FAULT_MARKER"] = marker,
        }, "run", "-f", "rotor.yaml", "--data", data, "--listen", "127.0.0.1:0"))
        {
            await Wait.UntilAsync(() => File.Exists(marker) || first.HasExited, TimeSpan.FromSeconds(60), () => "pause point; stderr:\n" + first.Errors);
            Assert.False(first.HasExited, first.Errors);
            first.KillHard();
        }
        Assert.False(File.Exists(dir.Combine("out", "cert.pem")), "nothing was deployed before the crash");

        await using (var host = await RotorHost.OpenAsync(data, TimeProvider.System, NullLoggerFactory.Instance, null, default))
        {
            var before = await host.Store.ListVersionsAsync("sip-edge", default);
            Assert.Equal(point == FaultPoints.AfterIssue ? 1 : 0, before.Count);
        }

        var (code, _, err) = await RotorProcess.RunAsync(dir.Path, TimeSpan.FromSeconds(60), "reconcile", "--data", data);
        Assert.True(code == 0, err);

        await using (var host = await RotorHost.OpenAsync(data, TimeProvider.System, NullLoggerFactory.Instance, null, default))
        {
            var version = Assert.Single(await host.Store.ListVersionsAsync("sip-edge", default));
            Assert.Equal(VersionState.Active, version.State);
            using var deployed = X509CertificateLoader.LoadCertificateFromFile(dir.Combine("out", "cert.pem"));
            Assert.Equal(version.Serial, deployed.SerialNumber);
            var keys = await host.Keys.ListAsync(default);
            Assert.Equal(["ca-root", version.KeyRef], keys.Order(StringComparer.Ordinal));
            Assert.Null((await host.Store.GetStatusAsync("sip-edge", default))!.PendingKeyRef);
            var issuedEvents = (await host.Store.ListEventsAsync("Certificate", "sip-edge", 100, default)).Count(e => e.Reason == "Issued");
            Assert.Equal(1, issuedEvents);
        }
        Assert.Single(File.ReadAllLines(dir.Combine("reload.log")));
    }
}
