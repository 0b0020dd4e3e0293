using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Rotor.Acme;
using Rotor.Acme.Challenges;
using Rotor.Acme.Jws;
using Rotor.Acme.Orders;
using Rotor.Acme.Transport;
using Rotor.Core.Resources;
using Rotor.Issuers;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Acme;

/// <summary>Account life (find, key rollover, deactivation), IP identifiers (RFC 8738) and revocation against Pebble.</summary>
[Collection(AcmeLabCollection.Name)]
public class PebbleAccountTests(AcmeLab lab)
{
    [Fact]
    public async Task An_account_is_found_by_its_key_rolled_over_and_deactivated()
    {
        lab.StartPebble("fast");
        if (!lab.Require()) return;
        using var session = PebbleSession.Create(lab);
        var (http, key, client) = (session.Http, session.Key, session.Client);
        Assert.Null(await client.FindAccountAsync(default));
        var created = await client.CreateAccountAsync(["ops@example.test"], true, null, default);
        Assert.Equal(created.Url, (await client.FindAccountAsync(default))!.Url);

        using var newKey = new AccountKey(RSA.Create(2048));
        await client.RolloverKeyAsync(newKey, default);
        var byNewKey = new AcmeClient(http, lab.Directory, newKey);
        Assert.Equal(created.Url, (await byNewKey.FindAccountAsync(default))!.Url);
        Assert.Null(await new AcmeClient(http, lab.Directory, key).FindAccountAsync(default));

        await client.DeactivateAccountAsync(default);
        var refused = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync([AcmeIdentifier.Dns("x.example.test")], null, null, default));
        Assert.False(refused.IsTransient);
    }

    [Fact]
    public async Task An_ip_identifier_is_validated_over_http01_and_the_certificate_revoked()
    {
        lab.StartPebble("real");
        if (!lab.Require()) return;
        using var session = PebbleSession.Create(lab);
        var (http, key, client) = (session.Http, session.Key, session.Client);
        await client.CreateAccountAsync([], true, null, default);
        await using var responder = new Http01Responder(new IPEndPoint(IPAddress.Loopback, AcmeLab.HttpPort));
        using var certKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spec = new CertificateSpec { IpAddresses = ["127.0.0.1"], IssuerRef = "x" };
        var csr = Rotor.Scheduling.Reconciler.CreateSigningRequest(spec, certKey);
        var result = await new AcmeOrderFlow(client, _ => responder).IssueAsync(new AcmeIssueRequest([AcmeIdentifier.Ip("127.0.0.1")], csr), default);
        Assert.Contains("IP:127.0.0.1", global::Rotor.Core.Validation.CertificateNames.Read(result.Chain[0]));
        Assert.True(responder.Served >= 1);

        await client.RevokeAsync(result.Chain[0], reason: 4, default);
        using var management = PebbleSession.CreateHttp(lab);
        var serial = Convert.ToHexString(result.Chain[0].SerialNumberBytes.Span).TrimStart('0').ToLowerInvariant();
        var status = await management.GetFromJsonAsync<JsonObject>($"https://127.0.0.1:{AcmeLab.ManagementPort}/cert-status-by-serial/{serial}");
        Assert.Equal("Revoked", status!["Status"]!.GetValue<string>());
        var again = await Assert.ThrowsAsync<AcmeException>(() => client.RevokeAsync(result.Chain[0], reason: 4, default));
        Assert.Equal("alreadyRevoked", again.ProblemType);
    }
}
