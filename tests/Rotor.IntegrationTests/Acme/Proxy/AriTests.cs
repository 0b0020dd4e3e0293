using Rotor.Tests.Support;
using System.Security.Cryptography.X509Certificates;
using Rotor.Acme.Ari;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Acme.Proxy;

/// <summary>ACME Renewal Information (RFC 9773) from the proxy decides when Rotor renews, and the renewal names what it replaces.</summary>
[Collection(AcmeLabCollection.Name)]
public class AriTests(AcmeLab lab)
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    private static X509Certificate2 Leaf(Rotor.Core.Abstractions.CertificateVersion version) =>
        X509CertificateLoader.LoadCertificate(System.Text.Encoding.ASCII.GetBytes(version.ChainPem));

    [Fact]
    public async Task The_ca_window_sets_the_renewal_and_a_window_moved_to_the_past_renews_with_replaces()
    {
        await using var run = await ProxyScenario.StartAsync(lab, TimeSpan.FromMinutes(3));
        if (run is null) return;
        var (ct, dir, proxy) = (run.Token, run.Dir, run.Proxy);
        var now = TimeProvider.System.GetUtcNow();
        var window = new AriWindow(now.AddDays(10), now.AddDays(20));
        proxy.RenewalWindow = window;
        // Asking again later than the window: the next look is the renewal time itself.
        proxy.RenewalInfoRetryAfter = TimeSpan.FromDays(30);
        await using var host = await ProxyRotor.OpenAsync(lab, proxy, dir, ct);

        var first = await host.Reconciler.ReconcileAsync("trunk", ct);
        Assert.True(first.Issued && !first.Failed, await ProxyRotor.EventsAsync(host));
        var old = Assert.Single(await host.Store.ListVersionsAsync("trunk", ct));
        using var oldLeaf = Leaf(old);
        var certId = AriCertId.For(oldLeaf);
        Assert.Contains(certId, proxy.RenewalInfoRequests);
        Assert.Null(Assert.Single(proxy.NewOrders).Replaces);
        var status = (await host.Store.GetStatusAsync("trunk", ct))!;
        Assert.InRange(status.RenewalAt!.Value, window.Start, window.End);
        Assert.Equal(status.RenewalAt!.Value, status.NextDueAt, Slack);
        // Pebble's 5-year certificate would renew at 2/3 of its life by the spec's own schedule.
        Assert.True(old.NotAfter - status.RenewalAt.Value > TimeSpan.FromDays(365), $"renewal {status.RenewalAt:u}, not after {old.NotAfter:u}");

        // The CA pulls this certificate's window into the past (as before a mass revocation).
        // When the certificate comes due, the pass asks again and renews at once.
        proxy.SetRenewalWindow(certId, new AriWindow(now.AddDays(-2), now.AddDays(-1)));
        await host.Store.UnderLeaseAsync(status.Name, () => host.Store.SaveStatusAsync(status with { NextDueAt = TimeProvider.System.GetUtcNow().AddSeconds(-1) }, ct));
        var pass = await host.Reconciler.RunPassAsync(ct);
        Assert.True(pass.Issued == 1 && pass.Failed == 0, $"{pass}\n" + await ProxyRotor.EventsAsync(host));

        var versions = await host.Store.ListVersionsAsync("trunk", ct);
        Assert.Equal(2, versions.Count);
        Assert.NotEqual(old.Serial, versions[^1].Serial);
        Assert.Equal(2, proxy.NewOrders.Count);
        Assert.Equal(certId, proxy.NewOrders[^1].Replaces);
        Assert.Contains("\"replaces\":\"" + certId + "\"", proxy.NewOrders[^1].Payload, StringComparison.Ordinal);

        // The new certificate has a window of its own again (the default one), asked for by its own certID.
        using var newLeaf = Leaf(versions[^1]);
        Assert.Contains(AriCertId.For(newLeaf), proxy.RenewalInfoRequests);
        status = (await host.Store.GetStatusAsync("trunk", ct))!;
        Assert.InRange(status.RenewalAt!.Value, window.Start, window.End);
        Assert.Equal(0, status.Failures);
    }

    [Fact]
    public async Task The_retry_after_of_the_renewal_info_sets_when_rotor_asks_again()
    {
        await using var run = await ProxyScenario.StartAsync(lab, TimeSpan.FromMinutes(3));
        if (run is null) return;
        var (ct, dir, proxy) = (run.Token, run.Dir, run.Proxy);
        var window = new AriWindow(TimeProvider.System.GetUtcNow().AddDays(60), TimeProvider.System.GetUtcNow().AddDays(90));
        proxy.RenewalWindow = window;
        proxy.RenewalInfoRetryAfter = TimeSpan.FromHours(1);
        await using var host = await ProxyRotor.OpenAsync(lab, proxy, dir, ct);

        var before = TimeProvider.System.GetUtcNow();
        var first = await host.Reconciler.ReconcileAsync("trunk", ct);
        var after = TimeProvider.System.GetUtcNow();
        Assert.True(first.Issued && !first.Failed, await ProxyRotor.EventsAsync(host));
        var status = (await host.Store.GetStatusAsync("trunk", ct))!;
        Assert.InRange(status.RenewalAt!.Value, window.Start, window.End);
        Assert.InRange(status.NextDueAt, before + TimeSpan.FromHours(1) - Slack, after + TimeSpan.FromHours(1) + Slack);

        // When that hour has come, Rotor asks again; the window has not moved, so nothing is
        // issued and the next look is an hour on once more.
        var asked = proxy.RenewalInfoRequests.Count;
        await host.Store.UnderLeaseAsync(status.Name, () => host.Store.SaveStatusAsync(status with { NextDueAt = TimeProvider.System.GetUtcNow().AddSeconds(-1) }, ct));
        before = TimeProvider.System.GetUtcNow();
        var pass = await host.Reconciler.RunPassAsync(ct);
        after = TimeProvider.System.GetUtcNow();
        Assert.Equal(new Rotor.Scheduling.PassResult(1, 0, 0, 0), pass);
        Assert.Equal(asked + 1, proxy.RenewalInfoRequests.Count);
        Assert.Single(await host.Store.ListVersionsAsync("trunk", ct));
        status = (await host.Store.GetStatusAsync("trunk", ct))!;
        Assert.InRange(status.NextDueAt, before + TimeSpan.FromHours(1) - Slack, after + TimeSpan.FromHours(1) + Slack);
        Assert.InRange(status.RenewalAt!.Value, window.Start, window.End);
    }
}
