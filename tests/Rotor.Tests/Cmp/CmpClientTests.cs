using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Rotor.Cmp;
using Rotor.Cmp.Messages;
using Rotor.Cmp.Protection;

namespace Rotor.Tests.Cmp;

/// <summary>The client's transaction logic against an in-process server, on a fake clock.</summary>
public sealed class CmpClientTests : IDisposable
{
    private const string Secret = "iak-unit-test-secret";
    private readonly FakeCmpServer _server = new(Secret);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly CmpSharedSecretProtection _protection = CmpProtection.SharedSecret("ref-1", Encoding.UTF8.GetBytes(Secret), 1000);

    private CmpClient Client(CmpClientOptions? options = null) =>
        new(new CmpServerGroup(new Uri("http://127.0.0.1:1/pkix/")), _server, options, _time);

    private CmpCertificateRequest Request(Func<X509Certificate2, string?>? accept = null) =>
        new() { Subject = new X500DistinguishedName("CN=sbc.example.test"), Key = _key, AcceptCertificate = accept };

    /// <summary>Advances the fake clock in steps until the task ends, so waits on it complete.</summary>
    private async Task<T> DriveAsync<T>(Task<T> task, TimeSpan step, int maxSteps = 1000)
    {
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            await Task.Delay(1);
            if (!task.IsCompleted) _time.Advance(step);
        }
        return await task;
    }

    [Fact]
    public async Task Polling_waits_checkAfter_on_the_injected_clock_before_each_pollReq()
    {
        _server.PollsNeeded = 3;
        _server.CheckAfterSeconds = 60;
        var task = Client(new CmpClientOptions { MaxPolls = 5, TotalTimeout = TimeSpan.FromHours(1) }).InitialRequestAsync(Request(), _protection, default);

        await Task.Delay(50);
        Assert.False(task.IsCompleted);
        Assert.Equal(["ir", "pollReq"], _server.Requests.Select(r => r.Body));   // first pollReq at once, then a wait
        _time.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(50);
        Assert.Equal(2, _server.Requests.Count);                                   // not before checkAfter
        _time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(50);
        Assert.Equal(3, _server.Requests.Count);

        var result = await DriveAsync(task, TimeSpan.FromSeconds(60));
        Assert.Equal(3, result.Polls);
        Assert.Equal(["ir", "pollReq", "pollReq", "pollReq", "certConf"], _server.Requests.Select(r => r.Body));
    }

    [Fact]
    public async Task A_poll_limit_below_what_the_server_needs_gives_up_transiently_and_ends_the_transaction()
    {
        _server.PollsNeeded = 5;
        var task = Client(new CmpClientOptions { MaxPolls = 2 }).InitialRequestAsync(Request(), _protection, default);

        var e = await Assert.ThrowsAsync<CmpException>(() => DriveAsync(task, TimeSpan.FromSeconds(60)));

        Assert.Equal(CmpReasons.PollingExhausted, e.Reason);
        Assert.True(e.IsTransient);
        Assert.Equal(["ir", "pollReq", "pollReq", "error"], _server.Requests.Select(r => r.Body));
    }

    [Fact]
    public async Task Polling_stops_before_a_wait_that_would_pass_the_total_timeout()
    {
        _server.PollsNeeded = 5;
        _server.CheckAfterSeconds = 120;
        var task = Client(new CmpClientOptions { MaxPolls = 10, MessageTimeout = TimeSpan.FromSeconds(30), TotalTimeout = TimeSpan.FromMinutes(5) })
            .InitialRequestAsync(Request(), _protection, default);

        var e = await Assert.ThrowsAsync<CmpException>(() => DriveAsync(task, TimeSpan.FromSeconds(10)));

        Assert.Equal(CmpReasons.TotalTimeout, e.Reason);
        Assert.True(e.IsTransient);
        Assert.Equal(3, _server.Requests.Count(r => r.Body == "pollReq"));          // 0 s, 120 s, 240 s; 360 s would pass 300 s
    }

    [Fact]
    public async Task A_server_that_never_answers_hits_the_message_timeout_on_the_injected_clock()
    {
        _server.NeverAnswer = true;
        var task = Client(new CmpClientOptions { MessageTimeout = TimeSpan.FromSeconds(20) }).InitialRequestAsync(Request(), _protection, default);

        var e = await Assert.ThrowsAsync<CmpException>(() => DriveAsync(task, TimeSpan.FromSeconds(5)));

        Assert.Equal(CmpReasons.MessageTimeout, e.Reason);
        Assert.True(e.IsTransient);
        Assert.Contains("message timeout", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_message_has_a_fresh_128_bit_senderNonce_and_echoes_the_servers_last_nonce()
    {
        _server.PollsNeeded = 2;
        var client = Client();

        await DriveAsync(client.InitialRequestAsync(Request(), _protection, default), TimeSpan.FromSeconds(60));
        _server.PollsNeeded = 0;
        await DriveAsync(client.InitialRequestAsync(Request(), _protection, default), TimeSpan.FromSeconds(60));

        var requests = _server.Requests;
        Assert.Equal(["ir", "pollReq", "pollReq", "certConf", "ir", "certConf"], requests.Select(r => r.Body));
        Assert.All(requests, r => Assert.Equal(16, r.SenderNonce.Length));
        Assert.Equal(requests.Count, requests.Select(r => Convert.ToHexString(r.SenderNonce)).Distinct().Count());
        // recipNonce of each follow-up = senderNonce of the server's previous answer; none on a first request.
        Assert.Null(requests[0].RecipNonce);
        Assert.Null(requests[4].RecipNonce);
        foreach (var i in new[] { 1, 2, 3, 5 })
        {
            Assert.Equal(_server.ResponseSenderNonces[i - 1], requests[i].RecipNonce);
        }
        // One transactionID per transaction, 128 bits, a new one for the next.
        Assert.Single(requests.Take(4).Select(r => Convert.ToHexString(r.TransactionId)).Distinct());
        Assert.Equal(16, requests[0].TransactionId.Length);
        Assert.NotEqual(requests[0].TransactionId, requests[4].TransactionId);
    }

    [Theory]
    [InlineData(true, false, CmpReasons.TransactionId, "CMP response refused: transactionID does not match the transactionID sent")]
    [InlineData(false, true, CmpReasons.RecipNonce, "CMP response refused: recipNonce does not match the senderNonce sent")]
    public async Task A_protected_response_with_a_wrong_header_is_refused_naming_the_check(bool badTid, bool badNonce, string reason, string message)
    {
        _server.Corrupt = _ => (badTid ? new byte[16] : null, badNonce ? RandomNumberGenerator.GetBytes(16) : null);

        var e = await Assert.ThrowsAsync<CmpException>(() => Client().InitialRequestAsync(Request(), _protection, default));

        Assert.Equal(reason, e.Reason);
        Assert.Equal(message, e.Message);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_and_the_secret_appears_nowhere()
    {
        const string wrong = "not-the-right-secret-0815";
        using var protection = CmpProtection.SharedSecret("ref-1", Encoding.UTF8.GetBytes(wrong), 1000);
        var fake = new FakeCmpServerAcceptingAnyMac(_server);

        var e = await Assert.ThrowsAsync<CmpException>(() =>
            new CmpClient(new CmpServerGroup(new Uri("http://127.0.0.1:1/")), fake, null, _time).InitialRequestAsync(Request(), protection, default));

        Assert.Equal(CmpReasons.Protection, e.Reason);
        foreach (var text in new[] { e.ToString(), e.Message, protection.ToString(), _protection.ToString(), Request().ToString() })
        {
            Assert.DoesNotContain(wrong, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(_key.ExportECPrivateKey()), text, StringComparison.Ordinal);
        }
        Assert.Equal("shared secret (reference ref-1)", protection.ToString());
    }

    [Fact]
    public async Task A_certificate_for_another_key_is_rejected_in_certConf_as_key_mismatch()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _server.FixedCertificate = new CertificateRequest("CN=other", other, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));

        var e = await Assert.ThrowsAsync<CmpException>(() => Client().InitialRequestAsync(Request(), _protection, default));

        Assert.Equal(CmpReasons.KeyMismatch, e.Reason);
        Assert.False(e.IsTransient);
        Assert.Equal(CmpStatus.Rejection, _server.Requests.Single(r => r.Body == "certConf").CertConfStatus);
    }

    [Fact]
    public async Task Implicit_confirm_is_honoured_only_when_the_server_echoes_it()
    {
        var asking = Client(new CmpClientOptions { RequestImplicitConfirm = true });

        var notGranted = await asking.InitialRequestAsync(Request(), _protection, default);
        _server.GrantImplicitConfirm = true;
        var granted = await asking.InitialRequestAsync(Request(), _protection, default);

        Assert.False(notGranted.ImplicitlyConfirmed);
        Assert.True(granted.ImplicitlyConfirmed);
        Assert.Equal(["ir", "certConf", "ir"], _server.Requests.Select(r => r.Body));
        Assert.All(_server.Requests.Where(r => r.Body == "ir"), r => Assert.True(r.ImplicitRequested));
        Assert.Equal(CmpStatus.Accepted, _server.Requests[1].CertConfStatus);
    }

    public void Dispose()
    {
        _server.Dispose();
        _key.Dispose();
        _protection.Dispose();
    }

    /// <summary>A server with another secret: it answers, but its MAC cannot verify at the client.</summary>
    private sealed class FakeCmpServerAcceptingAnyMac(FakeCmpServer inner) : Rotor.Cmp.Transport.ICmpTransport
    {
        private readonly CmpSharedSecretProtection _right = CmpProtection.SharedSecret("ref-1", Encoding.UTF8.GetBytes(Secret), 1000);

        public Task<byte[]> SendAsync(Uri server, byte[] request, CancellationToken cancellationToken)
        {
            // Re-protect the request with the server's secret so the fake server answers at all.
            var message = Org.BouncyCastle.Asn1.Cmp.PkiMessage.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(request));
            var part = new Org.BouncyCastle.Asn1.Cmp.ProtectedPart(message.Header, message.Body).GetDerEncoded();
            var mac = _right.Protect(message.Header.ProtectionAlg, part);
            var resealed = new Org.BouncyCastle.Asn1.Cmp.PkiMessage(message.Header, message.Body, new Org.BouncyCastle.Asn1.DerBitString(mac));
            return inner.SendAsync(server, resealed.GetDerEncoded(), cancellationToken);
        }
    }
}
