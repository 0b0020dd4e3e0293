using Rotor.Cmp;
using Rotor.Cmp.Messages;
using Rotor.Cmp.Protection;
using Rotor.Cmp.Transport;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Cmp;

/// <summary>
/// Rejections, errors and responses the client must refuse, against OpenSSL's CMP mock
/// server. Each refusal names the check that failed and never the secret.
/// </summary>
[Collection(CmpLabCollection.Name)]
public sealed class CmpFailureTests(CmpLab lab) : IDisposable
{
    private readonly CmpHttpTransport _http = new();

    private (CmpClient Client, CmpRecordingTransport Wire) Client(string instance, Func<int, byte[], byte[]>? rewrite = null)
    {
        var wire = new CmpRecordingTransport(_http, rewrite);
        return (new CmpClient(new CmpServerGroup(lab.Url(instance)), wire), wire);
    }

    private async Task<CmpException> IrFailsAsync(CmpClient client, string key = "ee1", string? secret = null, Func<System.Security.Cryptography.X509Certificates.X509Certificate2, string?>? accept = null)
    {
        using var k = lab.Key(key);
        using var protection = lab.SharedSecret(secret);
        var e = await Assert.ThrowsAsync<CmpException>(() => client.InitialRequestAsync(lab.Request(k, accept), protection, default));
        Assert.DoesNotContain(lab.Secret, e.ToString(), StringComparison.Ordinal);
        if (secret is not null) Assert.DoesNotContain(secret, e.ToString(), StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public async Task A_rejection_carries_status_failInfo_and_statusString_and_is_not_transient()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("reject");

        var e = await IrFailsAsync(client);

        Assert.Equal(CmpReasons.Rejected, e.Reason);
        Assert.False(e.IsTransient);
        Assert.Equal(CmpStatus.Rejection, e.Status);
        Assert.Equal(CmpFailInfo.NotAuthorized, e.FailInfo);
        Assert.Equal("notAuthorized", e.FailInfoText);
        Assert.Equal("enrollment not authorized", e.StatusString);
        Assert.Contains("rejection; failInfo notAuthorized; \"enrollment not authorized\"", e.Message, StringComparison.Ordinal);
        Assert.Equal("ir ip", wire.Sequence);
        Assert.Equal(lab.Url("reject"), e.Server);
        Assert.Matches("^[0-9a-f]{32}$", e.TransactionId!);
    }

    [Fact]
    public async Task An_error_message_surfaces_with_its_status_text()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("error");

        var e = await IrFailsAsync(client);

        Assert.Equal(CmpReasons.ErrorMessage, e.Reason);
        Assert.False(e.IsTransient);
        Assert.Equal(CmpStatus.Rejection, e.Status);
        Assert.True(e.FailInfo.HasFlag(CmpFailInfo.BadRequest), e.FailInfoText);
        Assert.Contains("error processing message", e.StatusString, StringComparison.Ordinal);
        Assert.Contains("failInfo badRequest", e.Message, StringComparison.Ordinal);
        Assert.Equal("ir error", wire.Sequence);
    }

    [Fact]
    public async Task A_wrong_shared_secret_is_refused_at_the_mac_check()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("ok");

        var e = await IrFailsAsync(client, secret: "wrong-secret-4711");

        Assert.Equal(CmpReasons.Protection, e.Reason);
        Assert.False(e.IsTransient);
        Assert.StartsWith("CMP response refused: MAC protection does not verify", e.Message, StringComparison.Ordinal);
        Assert.Equal("ir error", wire.Sequence);
    }

    [Fact]
    public async Task A_response_with_a_flipped_bit_is_refused_at_the_mac_check()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("ok", (_, der) => CmpResponseForger.FlipSenderNonceBit(der));

        var e = await IrFailsAsync(client);

        Assert.Equal(CmpReasons.Protection, e.Reason);
        Assert.Contains("MAC protection does not verify", e.Message, StringComparison.Ordinal);
        Assert.Equal("ir ip", wire.Sequence);
    }

    [Fact]
    public async Task A_correctly_protected_response_with_another_transactionID_is_refused()
    {
        if (!lab.Require()) return;
        var (client, _) = Client("ok", (_, der) => CmpResponseForger.Rewrite(der, lab.Secret, _ => (new byte[16], null)));

        var e = await IrFailsAsync(client);

        Assert.Equal(CmpReasons.TransactionId, e.Reason);
        Assert.Equal("CMP response refused: transactionID does not match the transactionID sent", e.Message);
    }

    [Fact]
    public async Task A_correctly_protected_response_with_another_recipNonce_is_refused()
    {
        if (!lab.Require()) return;
        var (client, _) = Client("ok", (_, der) => CmpResponseForger.Rewrite(der, lab.Secret, _ => (null, new byte[16])));

        var e = await IrFailsAsync(client);

        Assert.Equal(CmpReasons.RecipNonce, e.Reason);
        Assert.Equal("CMP response refused: recipNonce does not match the senderNonce sent", e.Message);
    }

    [Fact]
    public async Task An_unprotected_error_is_refused_and_shown_only_as_unauthenticated()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("unprotected-error");

        var e = await IrFailsAsync(client);

        Assert.Equal(CmpReasons.Unprotected, e.Reason);
        Assert.StartsWith("CMP response refused: the response is not protected (unauthenticated error", e.Message, StringComparison.Ordinal);
        Assert.Null(e.StatusInfo);
        Assert.Equal("ir error", wire.Sequence);
    }

    [Fact]
    public async Task A_certificate_for_another_key_is_refused_as_key_mismatch_after_a_rejecting_certConf()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("ok");
        var mark = lab.Log("ok").Length;

        var e = await IrFailsAsync(client, key: "ee2");

        Assert.Equal(CmpReasons.KeyMismatch, e.Reason);
        Assert.False(e.IsTransient);
        Assert.Contains("key mismatch", e.Message, StringComparison.Ordinal);
        Assert.Equal("ir ip certConf pkiConf", wire.Sequence);
        Assert.Contains("certificate rejected by client with PKIStatus: rejection", lab.Log("ok")[mark..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_callers_veto_rejects_the_certificate_in_certConf()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client("ok");
        var mark = lab.Log("ok").Length;
        string? seen = null;

        var e = await IrFailsAsync(client, accept: c =>
        {
            seen = c.Subject;
            return "validity shorter than renewBefore";
        });

        Assert.Equal("CN=sbc.example.com", seen);
        Assert.Equal(CmpReasons.CertificateRejected, e.Reason);
        Assert.Contains("validity shorter than renewBefore", e.Message, StringComparison.Ordinal);
        Assert.Equal("ir ip certConf pkiConf", wire.Sequence);
        Assert.Contains("certificate rejected by client", lab.Log("ok")[mark..], StringComparison.Ordinal);
    }

    public void Dispose() => _http.Dispose();
}
