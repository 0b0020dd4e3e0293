using System.Net;
using System.Security.Cryptography;
using Rotor.Acme;
using Rotor.Acme.Jws;
using Rotor.Acme.Orders;
using Rotor.Acme.Transport;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.IntegrationTests.Support;
using Rotor.Issuers;

namespace Rotor.IntegrationTests.Acme.Proxy;

/// <summary>A CA's rateLimited refusal (RFC 8555 6.7) with Retry-After: transient, and no retry before the time it names.</summary>
[Collection(AcmeLabCollection.Name)]
public class RateLimitTests(AcmeLab lab)
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task The_client_reports_a_rateLimited_new_order_as_transient_with_the_servers_retry_after()
    {
        await using var run = await ProxyScenario.StartAsync(lab, TimeSpan.FromMinutes(2));
        if (run is null) return;
        var (ct, dir, proxy) = (run.Token, run.Dir, run.Proxy);
        proxy.RateLimitRetryAfter = RetryAfter;
        proxy.RefuseNewOrders(1);
        using var http = AcmeHttpClientFactory.Create(proxy.CaPath, TimeSpan.FromSeconds(30));
        using var key = AccountKey.CreateEcdsaP256();
        var client = new AcmeClient(http, proxy.Directory, key);
        await client.CreateAccountAsync([], true, null, ct);
        AcmeIdentifier[] names = [AcmeIdentifier.Dns("limited.example.test")];

        var refused = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync(names, null, null, ct));
        Assert.Equal("rateLimited", refused.ProblemType);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.True(refused.IsTransient);
        Assert.Equal(RetryAfter, refused.RetryAfter);
        Assert.Contains("retry after 120s", refused.Message, StringComparison.Ordinal);

        // Once the CA stops refusing, the same client orders (on the nonce that came with the 429).
        var order = await client.NewOrderAsync(names, null, null, ct);
        Assert.Contains(order.Status, new[] { "pending", "ready" });
        Assert.Equal([true, false], proxy.NewOrders.Select(o => o.Refused));
    }

    [Fact]
    public async Task Rotor_does_not_retry_before_the_retry_after_and_issues_once_the_limit_lifts()
    {
        await using var run = await ProxyScenario.StartAsync(lab, TimeSpan.FromMinutes(3));
        if (run is null) return;
        var (ct, dir, proxy) = (run.Token, run.Dir, run.Proxy);
        proxy.RateLimitRetryAfter = RetryAfter;
        proxy.RefuseNewOrders(1);
        await using var host = await ProxyRotor.OpenAsync(lab, proxy, dir, ct);

        var before = TimeProvider.System.GetUtcNow();
        var first = await host.Reconciler.ReconcileAsync("trunk", ct);
        var after = TimeProvider.System.GetUtcNow();
        Assert.True(first.Failed, await ProxyRotor.EventsAsync(host));
        var warning = (await host.Store.ListEventsAsync("Certificate", "trunk", 20, ct)).First(e => e.Type == EventType.Warning);
        Assert.Equal("AcmeRateLimited", warning.Reason);
        Assert.Contains("rateLimited", warning.Message, StringComparison.Ordinal);
        var status = (await host.Store.GetStatusAsync("trunk", ct))!;
        Assert.Equal(1, status.Failures);
        Assert.Contains("rateLimited", status.LastFailure, StringComparison.Ordinal);
        // The first backoff step is 30 s (±20 %); the CA's 120 s wins.
        Assert.InRange(status.NextDueAt, before + RetryAfter, after + RetryAfter + TimeSpan.FromSeconds(2));
        Assert.Empty(await host.Store.ListVersionsAsync("trunk", ct));
        Assert.Empty(await host.Store.ListDueAsync(TimeProvider.System.GetUtcNow().AddSeconds(60), 10, ct));

        // The issuer itself: a transient RotorException carrying the wait, over the AcmeException.
        proxy.RefuseNewOrders(1);
        var (issuer, _) = await host.Issuers.GetAsync("pebble", ct);
        var spec = new CertificateSpec { DnsNames = [ProxyRotor.DnsName], IssuerRef = "pebble" };
        using var certificateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new IssueRequest("trunk", spec, certificateKey,
            new Lazy<byte[]>(() => Rotor.Scheduling.Reconciler.CreateSigningRequest(spec, certificateKey)));
        var thrown = await Assert.ThrowsAsync<RotorException>(() => issuer.IssueAsync(request, ct));
        Assert.True(thrown.IsTransient);
        Assert.Equal(RetryAfter, thrown.RetryAfter);
        var acme = Assert.IsType<AcmeException>(thrown.InnerException);
        Assert.True(acme.IsTransient);
        Assert.Equal(RetryAfter, acme.RetryAfter);

        // The limit has lifted: the next attempt issues and clears the failure.
        var second = await host.Reconciler.ReconcileAsync("trunk", ct);
        Assert.True(second.Issued && !second.Failed, await ProxyRotor.EventsAsync(host));
        status = (await host.Store.GetStatusAsync("trunk", ct))!;
        Assert.Equal(0, status.Failures);
        Assert.Null(status.LastFailure);
        Assert.Single(await host.Store.ListVersionsAsync("trunk", ct));
        Assert.Equal([true, true, false], proxy.NewOrders.Select(o => o.Refused));
    }
}
