using Rotor.Acme;
using Rotor.Acme.Jws;
using Rotor.Acme.Orders;
using Rotor.Acme.Transport;
using Rotor.IntegrationTests.Support;
using Rotor.Issuers;

namespace Rotor.IntegrationTests.Acme.Proxy;

/// <summary>ACME profiles (directory <c>meta.profiles</c>, order field <c>profile</c>) from the client and from an issuer's spec.</summary>
[Collection(AcmeLabCollection.Name)]
public class ProfileTests(AcmeLab lab)
{
    private static readonly Dictionary<string, string> Offered = new()
    {
        ["classic"] = "https://127.0.0.1/docs/profiles#classic",
        ["shortlived"] = "https://127.0.0.1/docs/profiles#shortlived",
    };

    [Fact]
    public async Task The_client_sends_an_offered_profile_and_refuses_an_unknown_one_before_sending()
    {
        await using var run = await ProxyScenario.StartAsync(lab, TimeSpan.FromMinutes(2));
        if (run is null) return;
        var (ct, dir, proxy) = (run.Token, run.Dir, run.Proxy);
        proxy.Profiles = Offered;
        using var http = AcmeHttpClientFactory.Create(proxy.CaPath, TimeSpan.FromSeconds(30));
        using var key = AccountKey.CreateEcdsaP256();
        var client = new AcmeClient(http, proxy.Directory, key);
        await client.CreateAccountAsync([], true, null, ct);
        Assert.Equal(Offered, (await client.GetDirectoryAsync(ct)).Profiles);
        AcmeIdentifier[] names = [AcmeIdentifier.Dns("short.example.test")];

        // Pebble 2.4 ignores the field it does not know; the order is placed all the same.
        var order = await client.NewOrderAsync(names, null, "shortlived", ct);
        Assert.Contains(order.Status, new[] { "pending", "ready" });
        Assert.Equal("shortlived", Assert.Single(proxy.NewOrders).Profile);

        var unknown = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync(names, null, "tlsserver", ct));
        Assert.Equal("invalidProfile", unknown.ProblemType);
        Assert.False(unknown.IsTransient);
        Assert.Contains("'tlsserver'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("classic, shortlived", unknown.Message, StringComparison.Ordinal);
        Assert.Single(proxy.NewOrders);

        // No profile asked for: none sent.
        await client.NewOrderAsync(names, null, null, ct);
        Assert.Null(proxy.NewOrders[^1].Profile);
        Assert.DoesNotContain("profile", proxy.NewOrders[^1].Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_issuers_profile_reaches_the_order_and_an_unoffered_one_fails_without_an_order()
    {
        await using var run = await ProxyScenario.StartAsync(lab, TimeSpan.FromMinutes(3));
        if (run is null) return;
        var (ct, dir, proxy) = (run.Token, run.Dir, run.Proxy);
        proxy.Profiles = Offered;
        await using var host = await ProxyRotor.OpenAsync(lab, proxy, dir, ct,
            new ProxiedCertificate("trunk", "pebble-short", "shortlived"),
            new ProxiedCertificate("edge", "pebble-odd", "tlsserver"));

        var issued = await host.Reconciler.ReconcileAsync("trunk", ct);
        Assert.True(issued.Issued && !issued.Failed, await ProxyRotor.EventsAsync(host));
        Assert.Equal("shortlived", Assert.Single(proxy.NewOrders).Profile);

        var odd = await host.Reconciler.ReconcileAsync("edge", ct);
        Assert.True(odd.Failed);
        var warning = (await host.Store.ListEventsAsync("Certificate", "edge", 20, ct)).First(e => e.Type == Rotor.Core.Abstractions.EventType.Warning);
        Assert.Equal("AcmeInvalidProfile", warning.Reason);
        Assert.Contains("classic, shortlived", warning.Message, StringComparison.Ordinal);
        Assert.Single(proxy.NewOrders);
        Assert.Empty(await host.Store.ListVersionsAsync("edge", ct));
    }
}
