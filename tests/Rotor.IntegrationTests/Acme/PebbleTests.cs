using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Acme;
using Rotor.Acme.Challenges;
using Rotor.Acme.Jws;
using Rotor.Acme.Orders;
using Rotor.Acme.Transport;
using Rotor.Core.Resources;
using Rotor.Issuers;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Acme;

/// <summary>The ACME client against a real Pebble, with Pebble's default 5 % badNonce and 50 % authorization reuse.</summary>
[Collection(AcmeLabCollection.Name)]
public class PebbleTests(AcmeLab lab)
{
    private static byte[] Csr(IEnumerable<string> names, out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spec = new CertificateSpec { DnsNames = names.ToList(), IssuerRef = "x" };
        return Rotor.Scheduling.Reconciler.CreateSigningRequest(spec, key);
    }

    private X509Chain ChainTo(X509Certificate2Collection issued)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(lab.IssuerRoot);
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.ExtraStore.AddRange(issued);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain;
    }

    [Fact]
    public async Task Real_http01_issues_a_certificate_with_several_sans_that_chains_to_pebbles_root()
    {
        lab.StartPebble("real");
        if (!lab.Require()) return;
        using var session = PebbleSession.Create(lab);
        var (http, key, client) = (session.Http, session.Key, session.Client);
        var account = await client.CreateAccountAsync(["ops@example.test"], true, null, default);
        Assert.Equal("valid", account.Status);
        await using var responder = new Http01Responder(new IPEndPoint(IPAddress.Loopback, AcmeLab.HttpPort));
        var names = new[] { "sip.example.test", "trunk.example.test", "edge.example.test" };
        var flow = new AcmeOrderFlow(client, _ => responder);
        var csr = Csr(names, out var certKey);
        using (certKey)
        {
            var chain = (await flow.IssueAsync(new AcmeIssueRequest(names.Select(AcmeIdentifier.Dns).ToList(), csr), default)).Chain;
            Assert.True(chain.Count >= 2);
            var sans = Rotor.Core.Validation.CertificateNames.Read(chain[0]);
            Assert.All(names, n => Assert.Contains("DNS:" + n, sans));
            using var verify = ChainTo(chain);
            Assert.True(verify.Build(chain[0]), string.Join(", ", verify.ChainStatus.Select(s => s.StatusInformation)));
            Assert.True(responder.Served >= names.Length, $"Pebble fetched {responder.Served} challenge answers");
        }
    }

    [Fact]
    public async Task Fifty_concurrent_orders_on_one_account_all_succeed_under_badNonce()
    {
        lab.StartPebble("fast");
        if (!lab.Require()) return;
        using var session = PebbleSession.Create(lab);
        var (http, key, client) = (session.Http, session.Key, session.Client);
        await client.CreateAccountAsync([], true, null, default);
        await using var responder = new Http01Responder(new IPEndPoint(IPAddress.Loopback, 0));
        var flow = new AcmeOrderFlow(client, _ => responder);
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            var name = $"host{i}.example.test";
            var csr = Csr([name], out var k);
            using (k)
            {
                return (await flow.IssueAsync(new AcmeIssueRequest([AcmeIdentifier.Dns(name)], csr), default)).Chain;
            }
        }));
        Assert.Equal(50, results.Length);
        Assert.All(results, chain => Assert.StartsWith("CN=host", chain[0].Subject, StringComparison.Ordinal));
        // At 5 % of several hundred requests, Pebble rejected some nonces; each was retried.
        Assert.True(client.BadNonceRetries > 0, "Pebble's 5 % badNonce should have been met and retried");
    }

    [Fact]
    public async Task Preferred_chain_picks_the_alternate_whose_issuer_matches()
    {
        lab.StartPebble("fast", new Dictionary<string, string> { ["PEBBLE_ALTERNATE_ROOTS"] = "2" });
        if (!lab.Require()) return;
        using var session = PebbleSession.Create(lab);
        var (http, key, client) = (session.Http, session.Key, session.Client);
        await client.CreateAccountAsync([], true, null, default);
        await using var responder = new Http01Responder(new IPEndPoint(IPAddress.Loopback, 0));
        var csr = Csr(["chain.example.test"], out var k);
        k.Dispose();
        var result = await new AcmeOrderFlow(client, _ => responder).IssueAsync(new AcmeIssueRequest([AcmeIdentifier.Dns("chain.example.test")], csr), default);
        static string TopIssuer(X509Certificate2Collection c) => c[^1].GetNameInfo(X509NameType.SimpleName, forIssuer: true);

        var (main, alternates) = await client.DownloadCertificateAsync(result.Order.Certificate!, default);
        Assert.Equal(2, alternates.Count);
        var (alternate, _) = await client.DownloadCertificateAsync(alternates[1], default);
        Assert.NotEqual(TopIssuer(main), TopIssuer(alternate));

        var preferred = await client.DownloadPreferredChainAsync(result.Order.Certificate!, TopIssuer(alternate), default);
        Assert.Equal(TopIssuer(alternate), TopIssuer(preferred));
        Assert.Equal(main[0].Thumbprint, preferred[0].Thumbprint);
        var unknown = await client.DownloadPreferredChainAsync(result.Order.Certificate!, "No Such Root", default);
        Assert.Equal(TopIssuer(main), TopIssuer(unknown));
    }

    [Fact]
    public async Task External_account_binding_is_required_and_accepted()
    {
        var mac = RandomNumberGenerator.GetBytes(32);
        lab.StartPebble("fast", null, "--eab", "kid-rotor=" + Base64Url.Encode(mac));
        if (!lab.Require()) return;
        using var session = PebbleSession.Create(lab);
        var (http, key, client) = (session.Http, session.Key, session.Client);
        var refused = await Assert.ThrowsAsync<AcmeException>(() => client.CreateAccountAsync([], true, null, default));
        Assert.Equal("externalAccountRequired", refused.ProblemType);
        Assert.False(refused.IsTransient);
        var wrong = await Assert.ThrowsAsync<AcmeException>(() => client.CreateAccountAsync([], true, new ExternalAccountBinding("kid-rotor", RandomNumberGenerator.GetBytes(32)), default));
        Assert.False(wrong.IsTransient);
        var account = await client.CreateAccountAsync([], true, new ExternalAccountBinding("kid-rotor", mac), default);
        Assert.Equal("valid", account.Status);
    }
}
