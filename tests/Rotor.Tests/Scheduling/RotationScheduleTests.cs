using Rotor.Core.Rotation;
using Rotor.Tests.Support;

namespace Rotor.Tests.Scheduling;

/// <summary>The rotation plan as the reconciler runs it on fake time, read back from the event log.</summary>
public class RotationScheduleTests
{
    private const string Manifest = """
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: local}
        spec: {ca: {}}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: peers}
        spec: {file: {path: trust}}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: edge-a}
        spec: {file: {path: out/a}}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: edge-b}
        spec: {file: {path: out/b}}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: edge-c}
        spec: {file: {path: out/c}}
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: sip-edge}
        spec:
          dnsNames: [sip.example.test]
          issuerRef: {name: local}
          deploy:
            - {target: edge-a}
            - {target: edge-b}
            - {target: peers, role: trust}
            - {target: edge-c}
        """;

    [Fact]
    public async Task Trust_target_first_then_one_leaf_target_per_wave_two_minutes_apart()
    {
        using var rotor = new TestRotor();
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", rotor.WriteManifest(Manifest))).Code);
        var start = rotor.Time.GetUtcNow();
        for (var pass = 0; pass < 10; pass++)
        {
            Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
            await using var host = await rotor.OpenHostAsync();
            var status = (await host.Store.GetStatusAsync("sip-edge", default))!;
            if (status.Ready) break;
            Assert.True(status.NextDueAt > rotor.Time.GetUtcNow(), "the reconciler sleeps through the stagger instead of spinning");
            rotor.Time.SetUtcNow(status.NextDueAt);
        }

        await using var done = await rotor.OpenHostAsync();
        var events = (await done.Store.ListEventsAsync(null, "sip-edge", 200, default)).Where(e => e.Reason == "Deployed").ToList();
        Assert.Equal(["peers", "edge-a", "edge-b", "edge-c"], events.Select(e => e.Message.Split(' ')[5]));
        Assert.Equal([start, start.AddMinutes(2), start.AddMinutes(4), start.AddMinutes(6)], events.Select(e => e.At));
        var version = Assert.Single(await done.Store.ListVersionsAsync("sip-edge", default));
        Assert.Equal(VersionState.Active, version.State);
        Assert.All(await done.Store.ListRotationsAsync(version.Id, default), r => Assert.Equal(RotationState.Promoted, r.State));

        // The trust target holds the CA only: never the leaf, never the key.
        Assert.Equal(["chain.pem"], Directory.GetFiles(rotor.Dir.Combine("trust")).Select(Path.GetFileName));
        Assert.True(File.Exists(rotor.Dir.Combine("out", "c", "key.pem")));
    }
}
