using Rotor.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Rotor.Cli;
using Rotor.Core.Renewal;
using Rotor.Core.Rotation;
using Rotor.IntegrationTests.Support;
using Rotor.Scheduling;

namespace Rotor.IntegrationTests.Acme;

/// <summary>A challenge that never validates: a clear event, the proof cleaned up, backoff per table, the old certificate untouched.</summary>
[Collection(AcmeLabCollection.Name)]
public class AcmeFailureTests(AcmeLab lab)
{
    [Fact]
    public async Task A_challenge_that_never_validates_ends_in_a_clear_event_with_cleanup_and_backoff()
    {
        lab.StartPebble("fast");
        if (!lab.Require()) return;
        using var dir = new TempDir();
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"));
        // A webroot nobody serves: in real mode Pebble's HTTP-01 request finds no server.
        var manifest = AcmeManifests.All(
        [
            AcmeManifests.Issuer("pebble", lab.Directory, lab.TlsCa, "issuer-root.pem", "- http01: {webroot: webroot}"),
            AcmeManifests.Target,
            AcmeManifests.Certificate("never", "[never.example.test]"),
        ]);
        File.WriteAllText(dir.Combine("rotor.yaml"), manifest);
        var data = dir.Combine("data");
        // Real time: the ACME client's polling waits on it, and Pebble's notBefore is its own now.
        var time = TimeProvider.System;
        var output = new StringWriter();
        var code = await RotorCli.InvokeAsync(["reconcile", "-f", dir.Combine("rotor.yaml"), "--data", data], output, output, time,
            new ReconcilerOptions { UnitRandom = () => 0.5 });
        Assert.True(code == 0, output.ToString()); // fast mode: the first certificate is issued
        var before = await File.ReadAllTextAsync(dir.Combine("out", "cert.pem"));

        lab.StartPebble("real");
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"), overwrite: true);
        await using var host = await RotorHost.OpenAsync(data, time, NullLoggerFactory.Instance, new ReconcilerOptions { UnitRandom = () => 0.5 }, default);
        var status = (await host.Store.GetStatusAsync("never", default))!;
        await host.Store.UnderLeaseAsync(status.Name, () => host.Store.SaveStatusAsync(status with { RenewRequested = true }, default));
        var started = Environment.TickCount64;
        var result = await host.Reconciler.ReconcileAsync("never", default);
        Assert.True(result.Failed);
        Assert.True(Environment.TickCount64 - started < 60_000, "a failing challenge must not hang");

        var evt = (await host.Store.ListEventsAsync("Certificate", "never", 10, default)).Last();
        Assert.StartsWith("Acme", evt.Reason, StringComparison.Ordinal);
        Assert.Contains("never.example.test", evt.Message, StringComparison.Ordinal);
        Assert.Contains("challenge validation failed", evt.Message, StringComparison.Ordinal);
        status = (await host.Store.GetStatusAsync("never", default))!;
        Assert.Equal(1, status.Failures);
        var expected = time.GetUtcNow() + new BackoffTable().Step(1);
        Assert.True((status.NextDueAt - expected).Duration() < TimeSpan.FromSeconds(5), $"next attempt {status.NextDueAt:o}, expected about {expected:o}");
        Assert.Empty(Directory.GetFiles(dir.Combine("webroot", ".well-known", "acme-challenge")));
        Assert.Equal(before, await File.ReadAllTextAsync(dir.Combine("out", "cert.pem")));
        Assert.Equal(VersionState.Active, (await host.Store.ListVersionsAsync("never", default)).Single(v => v.State != VersionState.Failed).State);
    }
}
