using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Cmp;
using Rotor.Cmp.Protection;
using Rotor.Cmp.Messages;
using Rotor.Cmp.Transport;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Cmp;

/// <summary>Successful enrolments against OpenSSL's CMP mock server: ir, cr, kur, p10cr, confirmations.</summary>
[Collection(CmpLabCollection.Name)]
public sealed class CmpEnrollmentTests(CmpLab lab) : IDisposable
{
    private readonly CmpHttpTransport _http = new();

    private (CmpClient Client, CmpRecordingTransport Wire) Client(string instance, CmpClientOptions? options = null)
    {
        var wire = new CmpRecordingTransport(_http);
        return (new CmpClient(new CmpServerGroup(lab.Url(instance)), wire, options), wire);
    }

    private CmpClientOptions TrustingServer(bool implicitConfirm = false) =>
        new() { ServerTrust = [lab.Certificate("ca")], RequestImplicitConfirm = implicitConfirm };

    [Fact]
    public async Task Ir_with_a_shared_secret_gets_the_certificate_and_confirms_it_with_certConf()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("ok");
        var mark = lab.Log("ok").Length;
        using var key = lab.Key("ee1");
        using var secret = lab.SharedSecret();

        var result = await client.InitialRequestAsync(lab.Request(key), secret, default);

        Assert.Equal(lab.Certificate("ee1").RawData, result.Certificate.RawData);
        Assert.Equal(CmpStatus.Accepted, result.Status);
        Assert.False(result.ImplicitlyConfirmed);
        Assert.Equal("ir ip certConf pkiConf", wire.Sequence);
        Assert.Contains(result.CaPubs, c => c.RawData.SequenceEqual(lab.Certificate("ca").RawData));
        Assert.Contains(result.ExtraCerts, c => c.RawData.SequenceEqual(lab.Certificate("ca").RawData));
        Assert.Equal(lab.Url("ok"), result.Server);
        Assert.Matches("^[0-9a-f]{32}$", result.TransactionId);
        var log = lab.Log("ok")[mark..];
        Assert.Contains("received CERTCONF", log, StringComparison.Ordinal);
        Assert.DoesNotContain("rejected by client", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Implicit_confirm_granted_by_the_server_ends_the_transaction_after_ip()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("implicit", new CmpClientOptions { RequestImplicitConfirm = true });
        var mark = lab.Log("implicit").Length;
        using var key = lab.Key("ee1");
        using var secret = lab.SharedSecret();

        var result = await client.InitialRequestAsync(lab.Request(key), secret, default);

        Assert.True(result.ImplicitlyConfirmed);
        Assert.Equal("ir ip", wire.Sequence);
        Assert.Equal(lab.Certificate("ee1").RawData, result.Certificate.RawData);
        Assert.DoesNotContain("received CERTCONF", lab.Log("implicit")[mark..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Implicit_confirm_requested_but_not_echoed_still_sends_certConf()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("ok", new CmpClientOptions { RequestImplicitConfirm = true });
        using var key = lab.Key("ee1");
        using var secret = lab.SharedSecret();

        var result = await client.InitialRequestAsync(lab.Request(key), secret, default);

        Assert.False(result.ImplicitlyConfirmed);
        Assert.Equal("ir ip certConf pkiConf", wire.Sequence);
    }

    [Fact]
    public async Task GrantedWithMods_is_a_success_and_is_confirmed()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("granted");
        using var key = lab.Key("ee1");
        using var secret = lab.SharedSecret();

        var result = await client.InitialRequestAsync(lab.Request(key), secret, default);

        Assert.Equal(CmpStatus.GrantedWithMods, result.Status);
        Assert.Equal("ir ip certConf pkiConf", wire.Sequence);
    }

    [Fact]
    public async Task Kur_signed_with_the_old_certificate_gets_a_certificate_for_the_new_key()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("kur", TrustingServer());
        using var current = lab.CertificateWithKey("ee1");
        using var newKey = lab.Key("ee2");

        var result = await client.KeyUpdateRequestAsync(lab.Request(newKey), new CmpSignatureProtection(current), default);

        Assert.Equal(lab.Certificate("ee2").RawData, result.Certificate.RawData);
        Assert.Equal(newKey.ExportSubjectPublicKeyInfo(), result.Certificate.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.NotEqual(current.PublicKey.ExportSubjectPublicKeyInfo(), result.Certificate.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal("kur kup certConf pkiConf", wire.Sequence);
        Assert.Empty(result.CaPubs);
    }

    [Fact]
    public async Task A_signed_response_is_refused_when_no_server_trust_is_configured()
    {
        if (!lab.Require()) return;
        var (client, _) = Client("kur");
        using var current = lab.CertificateWithKey("ee1");
        using var newKey = lab.Key("ee2");

        var e = await Assert.ThrowsAsync<CmpException>(() => client.KeyUpdateRequestAsync(lab.Request(newKey), new CmpSignatureProtection(current), default));

        Assert.Equal(CmpReasons.UntrustedSigner, e.Reason);
        Assert.Contains("no CMP server trust is configured", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_response_is_refused_when_its_signer_does_not_chain_to_the_configured_trust()
    {
        if (!lab.Require()) return;
        using var otherRoot = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var stranger = new CertificateRequest("CN=Some Other Root", otherRoot, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));
        var (client, _) = Client("ok", new CmpClientOptions { ServerTrust = [stranger] });
        using var current = lab.CertificateWithKey("ee1");
        using var key = lab.Key("ee1");

        var e = await Assert.ThrowsAsync<CmpException>(() => client.CertificationRequestAsync(lab.Request(key), new CmpSignatureProtection(current), default));

        Assert.Equal(CmpReasons.UntrustedSigner, e.Reason);
        Assert.Contains("does not chain to the configured CMP server trust", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ir")]
    [InlineData("cr")]
    public async Task Signature_protected_ir_and_cr_are_answered_with_signed_responses_that_verify(string kind)
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("ok", TrustingServer());
        using var signer = lab.CertificateWithKey("ee1");
        using var key = lab.Key("ee1");
        var protection = new CmpSignatureProtection(signer, [lab.Certificate("ca")]);

        var result = kind == "ir"
            ? await client.InitialRequestAsync(lab.Request(key), protection, default)
            : await client.CertificationRequestAsync(lab.Request(key), protection, default);

        Assert.Equal(lab.Certificate("ee1").RawData, result.Certificate.RawData);
        Assert.Equal(kind == "ir" ? "ir ip certConf pkiConf" : "cr cp certConf pkiConf", wire.Sequence);
        Assert.Equal(kind == "ir", result.CaPubs.Count > 0);
    }

    [Fact]
    public async Task P10cr_carries_a_pkcs10_request_and_gets_its_certificate()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("ok");
        using var key = lab.Key("ee1");
        using var secret = lab.SharedSecret();
        var csr = new CertificateRequest("CN=sbc.example.com", key, HashAlgorithmName.SHA256).CreateSigningRequest();

        var result = await client.Pkcs10RequestAsync(csr, secret, null, default);

        Assert.Equal(lab.Certificate("ee1").RawData, result.Certificate.RawData);
        Assert.Equal("p10cr cp certConf pkiConf", wire.Sequence);
    }

    public void Dispose() => _http.Dispose();
}
