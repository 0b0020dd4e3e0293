using Microsoft.Extensions.Logging.Abstractions;
using Rotor.Core.Rotation;
using Rotor.IntegrationTests.Support;
using Rotor.Scheduling;

namespace Rotor.IntegrationTests.Rotation;

/// <summary>
/// kill -9 of <c>rotor run</c> right after a rotation state was persisted, then a restart: the
/// rotation completes, each target has exactly one promoted version, and no key or staged file
/// is left that nothing refers to.
/// </summary>
public class RotationCrashTests
{
    private const string Manifest = """
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: local}
        spec: {ca: {}}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: edge-a}
        spec: {file: {path: out/a, reload: {command: 'echo a >> reload.log'}}}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: edge-b}
        spec: {file: {path: out/b, reload: {command: 'echo b >> reload.log'}}}
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: sip-edge}
        spec:
          dnsNames: [sip.example.test]
          issuerRef: {name: local}
          deploy: [{target: edge-a}, {target: edge-b}]
          rotation: {overlap: 1h, stagger: 1s}
        """;

    [Theory]
    [InlineData(RotationState.Staged)]
    [InlineData(RotationState.Deployed)]
    [InlineData(RotationState.Verifying)]
    [InlineData(RotationState.Promoted)]
    [InlineData(RotationState.Draining)]
    public async Task Killed_in_any_rotation_state_it_resumes_to_exactly_one_promoted_version_per_target(RotationState state)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest);
        var data = dir.Combine("data");
        var (code, _, err) = await RotorProcess.RunAsync(dir.Path, TimeSpan.FromSeconds(60), "apply", "-f", "rotor.yaml", "--data", data);
        Assert.True(code == 0, err);
        // Version 1 goes out without faults (two waves, one stagger apart), then version 2 is asked for.
        await RunUntilAsync(dir, data, null, v => v.Count == 1 && v[0].State == VersionState.Active);
        (code, _, err) = await RotorProcess.RunAsync(dir.Path, TimeSpan.FromSeconds(60), "rotate", "sip-edge", "--data", data);
        Assert.True(code == 0, err);

        var marker = dir.Combine("paused");
        using (var crashed = RotorProcess.Start(dir.Path, new Dictionary<string, string>
        {
            ["ROTOR_FAULT_PAUSE_AT"] = FaultPoints.Rotation(state),
            ["ROTOR_FAULT_MARKER"] = marker,
        }, "run", "--data", data, "--listen", "127.0.0.1:0"))
        {
            await Wait.UntilAsync(() => File.Exists(marker) || crashed.HasExited, TimeSpan.FromSeconds(60), () => $"pause at {state}; stderr:\n" + crashed.Errors);
            Assert.False(crashed.HasExited, crashed.Errors);
            crashed.KillHard();
        }

        await RunUntilAsync(dir, data, null, v => v.Count == 2 && v[1].State == VersionState.Active);

        await using var host = await RotorHost.OpenAsync(data, TimeProvider.System, NullLoggerFactory.Instance, null, default);
        var versions = await host.Store.ListVersionsAsync("sip-edge", default);
        Assert.Equal([VersionState.Superseded, VersionState.Active], versions.Select(v => v.State));
        foreach (var (target, folder) in new[] { ("edge-a", "a"), ("edge-b", "b") })
        {
            var promoted = new List<long>();
            foreach (var v in versions)
            {
                var record = (await host.Store.ListRotationsAsync(v.Id, default)).Single(r => r.Target == target);
                if (record.State == RotationState.Promoted) promoted.Add(v.Id);
                else Assert.Equal(RotationState.Draining, record.State);
            }
            Assert.Equal([versions[1].Id], promoted);
            using var served = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(dir.Combine("out", folder, "cert.pem"));
            Assert.Equal(versions[1].Serial, served.SerialNumber);
            Assert.False(File.Exists(dir.Combine("out", folder, ".rotor", "staged", "VERSION")), "no half-staged version is left behind");
        }
        var keys = (await host.Keys.ListAsync(default)).Where(k => k != "ca-root").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(versions.Select(v => v.KeyRef).Order(StringComparer.Ordinal), keys); // the old key stays for the overlap, nothing else
        Assert.Equal(2, (await host.Store.ListEventsAsync(null, "sip-edge", 200, default)).Count(e => e.Reason == "Issued"));
    }

    /// <summary>Runs <c>rotor run</c> until the versions satisfy <paramref name="done"/>, then stops it.</summary>
    private static async Task RunUntilAsync(TempDir dir, string data, Dictionary<string, string>? environment, Func<IReadOnlyList<Core.Abstractions.CertificateVersion>, bool> done)
    {
        using var run = RotorProcess.Start(dir.Path, environment, "run", "--data", data, "--listen", "127.0.0.1:0");
        await Wait.UntilAsync(() =>
        {
            if (run.HasExited) return true;
            var host = RotorHost.OpenAsync(data, TimeProvider.System, NullLoggerFactory.Instance, null, default).GetAwaiter().GetResult();
            try
            {
                return done(host.Store.ListVersionsAsync("sip-edge", default).GetAwaiter().GetResult());
            }
            finally
            {
                host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }, TimeSpan.FromSeconds(60), () => "rotor run to finish the rotation; stderr:\n" + run.Errors);
        Assert.False(run.HasExited, run.Errors);
        run.Terminate();
        await run.WaitForExitAsync(TimeSpan.FromSeconds(20));
    }
}
