using Rotor.Acme;
using Rotor.Acme.Jws;
using Rotor.Acme.Orders;
using Rotor.Acme.Challenges;
using Rotor.IntegrationTests.Support;
using Rotor.Issuers;

namespace Rotor.IntegrationTests.Acme.Proxy;

/// <summary>An order poll that gets no answer is a read like any other: polled again, not a failed order.</summary>
[Collection(AcmeLabCollection.Name)]
public class PollRetryTests(AcmeLab lab)
{
    [Fact]
    public async Task A_dropped_order_poll_is_made_again_and_the_order_completes()
    {
        await using var run = await ProxyScenario.StartAsync(lab, TimeSpan.FromMinutes(2));
        if (run is null) return;
        var (ct, proxy) = (run.Token, run.Proxy);
        using var http = AcmeHttpClientFactory.Create(proxy.CaPath, TimeSpan.FromSeconds(30));
        using var key = AccountKey.CreateEcdsaP256();
        var client = new AcmeClient(http, proxy.Directory, key);
        await client.CreateAccountAsync([], true, null, ct);
        await using var responder = new Http01Responder(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        using var subject = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=poll.example.test", subject, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        san.AddDnsName("poll.example.test");
        request.CertificateExtensions.Add(san.Build());
        var issued = await new AcmeOrderFlow(client, _ => responder).IssueAsync(
            new AcmeIssueRequest([AcmeIdentifier.Dns("poll.example.test")], request.CreateSigningRequest()), ct);

        proxy.DropOrderPolls(2);
        var order = await client.WaitForOrderAsync(issued.Order.Url, null, ct);

        Assert.Equal("valid", order.Status);
        Assert.Equal(2, proxy.DroppedPolls);
    }
}
