using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Rotor.Cmp;
using Rotor.Cmp.Protection;
using Rotor.Cmp.Transport;

namespace Rotor.Tests.Cmp;

/// <summary>
/// Responses a broken or hostile CMP server may send, changed in one place and (unless said)
/// protected again so that the client's decoding sees them. Each ends in a
/// <see cref="CmpException"/> that names the part, where the client used to throw
/// ArithmeticException, ArgumentException, CryptographicException or NullReferenceException,
/// take whatever the server sent, or spend its CPU. Found by <see cref="Fuzz.CmpFuzzTests"/>.
/// </summary>
public sealed class CmpMalformedResponseTests : IDisposable
{
    private const string Secret = "iak-malformed-secret";
    private static readonly BigInteger TwoTo64 = BigInteger.Pow(2, 64);
    private readonly FakeCmpServer _server = new(Secret) { MacIterations = 100 };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private static DerNode HeaderField(DerNode message, int tag) => message.At(0)!.Children!.Skip(3).First(c => c.Identifier == tag);
    private static DerNode CertResponse(DerNode message) => message.At(1, 0)!.Children!.Last().At(0)!;
    private static DerNode ExtraCerts(DerNode message) => message.Children!.Skip(2).First(c => c.Identifier == 0xA1).At(0)!;
    private static DerNode Integer(BigInteger value) => CmpHostileValues.Integer(value);

    /// <summary>Runs an ir whose response number <paramref name="exchange"/> is changed; returns how it failed.</summary>
    private async Task<CmpException> FailsAsync(Action<DerNode> change, int exchange = 0, bool reprotect = true)
    {
        var transport = new EditingTransport(_server, exchange, der => CmpMutation.Edit(der, _server, change, reprotect));
        var client = new CmpClient(new CmpServerGroup(new Uri("http://127.0.0.1:1/pkix/")), transport,
            new CmpClientOptions { ServerTrust = [_server.Ca], TotalTimeout = TimeSpan.FromMinutes(5) }, _time);
        using var protection = CmpProtection.SharedSecret("ref-1", Encoding.UTF8.GetBytes(Secret), 100);
        var request = new CmpCertificateRequest { Subject = new X500DistinguishedName("CN=sbc.example.test"), Key = _key };
        // Run apart and bounded: a check that costs minutes of CPU fails here instead of hanging.
        return await Assert.ThrowsAsync<CmpException>(() => Task.Run(() => client.InitialRequestAsync(request, protection, default)).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_response_that_is_not_der_is_malformed_and_transient()
    {
        var e = await FailsAsync(m => m.Tag = [0x04], reprotect: false);
        Assert.Equal(CmpReasons.Malformed, e.Reason);
        Assert.True(e.IsTransient);
        Assert.StartsWith("CMP response refused: the response is not a DER PKIMessage", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pvno_beyond_an_int_is_malformed()
    {
        var e = await FailsAsync(m => m.At(0, 0)!.ReplaceWith(Integer(TwoTo64)));
        Assert.Equal(CmpReasons.Malformed, e.Reason);
        Assert.Contains("pvno of 65 bits is not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pkistatus_beyond_an_int_is_malformed()
    {
        var e = await FailsAsync(m => CertResponse(m).At(1, 0)!.ReplaceWith(Integer(TwoTo64)));
        Assert.Equal(CmpReasons.Malformed, e.Reason);
        Assert.Contains("PKIStatus of 65 bits is not a known status", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2147483648", CmpReasons.Unsupported, "exceeds the limit of 100000")]
    [InlineData("18446744073709551616", CmpReasons.Unsupported, "of 65 bits exceeds the limit")]
    [InlineData("-1", CmpReasons.Malformed, "PBM iterationCount -1 is not positive")]
    [InlineData("0", CmpReasons.Malformed, "PBM iterationCount 0 is not positive")]
    public async Task A_pbm_iteration_count_outside_1_to_100000_is_refused_before_any_hashing(string count, string reason, string expected)
    {
        var e = await FailsAsync(m => HeaderField(m, 0xA1).At(0, 1, 2)!.ReplaceWith(Integer(BigInteger.Parse(count, System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(reason, e.Reason);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pbm_protection_without_parameters_is_malformed()
    {
        var e = await FailsAsync(m => HeaderField(m, 0xA1).At(0)!.Children!.RemoveAt(1));
        Assert.Equal(CmpReasons.Malformed, e.Reason);
        Assert.Contains("PBMParameter is missing", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("18446744073709551616")]
    [InlineData("1099511627776")]
    public async Task A_checkAfter_beyond_any_timespan_ends_polling_at_the_total_timeout(string seconds)
    {
        _server.PollsNeeded = 2;
        var e = await FailsAsync(m => m.At(1, 0, 0, 1)!.ReplaceWith(Integer(BigInteger.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture))), exchange: 1);
        Assert.Equal(CmpReasons.TotalTimeout, e.Reason);
        Assert.Contains("would pass the total timeout", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_extraCerts_entry_that_is_no_certificate_is_malformed(bool signed)
    {
        if (signed) _server.Signer = _server.NewSigner();
        // A certificate SEQUENCE with a fourth element: BouncyCastle reads extraCerts only when asked.
        var e = await FailsAsync(m => ExtraCerts(m).At(0)!.Children!.Add(DerNode.Leaf(0x05, [])));
        Assert.Equal(CmpReasons.Malformed, e.Reason);
        Assert.Contains("not a DER PKIMessage (Bad sequence size: 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_issued_certificate_the_platform_cannot_load_is_malformed_and_never_confirmed()
    {
        // The issuer's common name is an INTEGER: BouncyCastle reads any attribute value, the platform's loader does not.
        var e = await FailsAsync(m => CertResponse(m).At(2, 0, 0, 0, 3, 0, 0, 1)!.ReplaceWith(Integer(int.MaxValue)));
        Assert.Equal(CmpReasons.Malformed, e.Reason);
        Assert.Contains("the issued certificate is malformed", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_server.Requests, r => r.Body == "certConf");
    }

    [Theory]
    [InlineData("caPubs")]
    [InlineData("extraCerts")]
    public async Task Hundreds_of_certificates_are_refused_before_they_are_loaded(string field)
    {
        var e = await FailsAsync(m =>
        {
            var list = field == "caPubs" ? m.At(1, 0)!.Child(0xA1)!.At(0)! : ExtraCerts(m);
            var copy = list.At(0)!.Encode();
            for (var i = 0; i < 300; i++) list.Children!.Add(DerNode.Parse(copy));
        });
        Assert.Equal(CmpReasons.Malformed, e.Reason);
        Assert.Contains($"carries 301 {field} (at most 32 are accepted)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "RSA key (20000 bits, exponent of 19999 bits) is beyond the supported sizes")]
    [InlineData(2, "EC key is not on a named curve")]
    [InlineData(3, "key type 1.2.840.10040.4.1 is not supported")]
    public async Task A_signer_key_no_cmp_server_uses_is_refused_before_it_is_used(int kind, string expected)
    {
        _server.Signer = _server.NewSigner();
        var key = kind == 0 ? HugeRsaKey() : CmpHostileValues.HostileKey(kind);
        var e = await FailsAsync(m =>
        {
            ExtraCerts(m).At(0, 0, 6)!.ReplaceWith(key);
            // sha256WithRSAEncryption, so that an RSA key is used, not refused as the wrong kind.
            if (kind == 0) HeaderField(m, 0xA1).At(0)!.ReplaceWith(DerNode.Constructed(0x30, [DerNode.Leaf(0x06, [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B]), DerNode.Leaf(0x05, [])]));
        });
        Assert.Equal(CmpReasons.Unsupported, e.Reason);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unprotected_error_whose_status_is_beyond_an_int_is_refused_as_unprotected()
    {
        var e = await FailsAsync(m =>
        {
            m.Children!.RemoveAll(c => c.Identifier == 0xA0);
            m.At(1)!.ReplaceWith(DerNode.Constructed(0xB7, [DerNode.Constructed(0x30, [DerNode.Constructed(0x30, [Integer(TwoTo64)])])]));
        }, reprotect: false);
        Assert.Equal(CmpReasons.Unprotected, e.Reason);
    }

    [Fact]
    public async Task A_rejections_status_text_is_quoted_and_cut_to_a_few_lines()
    {
        var e = await FailsAsync(m =>
        {
            var info = CertResponse(m).At(1)!;
            info.At(0)!.ReplaceWith(Integer(2));
            var line = DerNode.Leaf(0x0C, Encoding.UTF8.GetBytes("not authorized\r\nforged: line\u001b[31m"));
            info.Children!.Insert(1, DerNode.Constructed(0x30, Enumerable.Range(0, 50).Select(_ => line.Clone())));
        });
        Assert.Equal(CmpReasons.Rejected, e.Reason);
        Assert.Equal(9, e.StatusInfo!.StatusStrings.Count);
        Assert.Equal("(42 more lines)", e.StatusInfo.StatusStrings[^1]);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\u001b', e.Message);
    }

    [Fact]
    public async Task A_sender_nonce_of_a_kilobyte_is_refused()
    {
        var e = await FailsAsync(m => HeaderField(m, 0xA5).At(0)!.ReplaceWith(DerNode.Leaf(0x04, new byte[1024])));
        Assert.Equal(CmpReasons.SenderNonce, e.Reason);
    }

    /// <summary>RSA with a 20,000-bit modulus and a 19,999-bit exponent: checking one signature would take seconds to minutes.</summary>
    private static DerNode HugeRsaKey()
    {
        var modulus = new BigInteger(RandomNumberGenerator.GetBytes(2500), isUnsigned: true) | BigInteger.One | (BigInteger.One << 19999);
        var exponent = (BigInteger.One << 19998) | BigInteger.One;
        var key = DerNode.Constructed(0x30, [Integer(modulus), Integer(exponent)]).Encode();
        byte[] rsa = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
        return DerNode.Constructed(0x30, [DerNode.Constructed(0x30, [DerNode.Leaf(0x06, rsa), DerNode.Leaf(0x05, [])]), DerNode.Leaf(0x03, [0, .. key])]);
    }

    public void Dispose()
    {
        _server.Dispose();
        _key.Dispose();
    }

    /// <summary>Passes requests to the fake server and changes its answer number <c>exchange</c>.</summary>
    private sealed class EditingTransport(FakeCmpServer server, int exchange, Func<byte[], byte[]> edit) : ICmpTransport
    {
        private int _count;

        public async Task<byte[]> SendAsync(Uri uri, byte[] request, CancellationToken cancellationToken)
        {
            var answer = await server.SendAsync(uri, request, cancellationToken);
            return _count++ == exchange ? edit(answer) : answer;
        }
    }
}
