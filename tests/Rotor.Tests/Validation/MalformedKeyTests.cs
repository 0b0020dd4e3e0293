using System.Diagnostics;
using System.Formats.Asn1;
using System.Security.Cryptography;
using Rotor.Core.Validation;
using static Rotor.Tests.Validation.ValidationFixtures;

namespace Rotor.Tests.Validation;

/// <summary>A malformed or unsupported private key fails key-unencrypted with a message that never quotes the key.</summary>
public sealed class MalformedKeyTests
{
    private static string Body(string pem) => string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));

    public static TheoryData<string, string> BadKeys()
    {
        var leaf = TestPki.CreateLeaf();
        var pkcs8 = leaf.Key.ExportPkcs8PrivateKey();
        var truncated = PemEncoding.WriteString("PRIVATE KEY", pkcs8[..(pkcs8.Length / 2)]);
        var trailing = PemEncoding.WriteString("PRIVATE KEY", [.. pkcs8, 0x00, 0x00]);
        var ed25519Like = PemEncoding.WriteString("PRIVATE KEY", Pkcs8("1.3.101.112", [0x04, 0x20, .. new byte[32]]));
        var unknownCurve = PemEncoding.WriteString("EC PRIVATE KEY", Sec1WithCurve("1.2.3.4.5"));
        var two = leaf.KeyPem + "\n" + TestPki.CreateLeaf().KeyPem;
        return new()
        {
            { "truncated PKCS#8", truncated },
            { "PKCS#8 with trailing bytes", trailing },
            { "Ed25519 key", ed25519Like },
            { "SEC1 key on an unknown curve", unknownCurve },
            { "two keys", two },
            { "not base64", "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n" },
            { "BEGIN without END", "-----BEGIN PRIVATE KEY-----\nMIIB\n" },
            { "garbage", "\0\x1F binary \uFFFD" },
            { "empty", "" },
        };
    }

    [Theory]
    [MemberData(nameof(BadKeys))]
    public void A_bad_key_fails_key_unencrypted_without_quoting_it(string kind, string pem)
    {
        var report = CertificateValidator.Validate(Good() with { PrivateKeyPem = pem });

        var failure = AssertOnlyFailure(report, ValidationRules.KeyUnencrypted);
        Assert.Equal(RuleStatus.NotChecked, Result(report, ValidationRules.KeyMatches).Status);
        var body = Body(pem);
        if (body.Length >= 8)
        {
            Assert.DoesNotContain(body[..8], failure.Message, StringComparison.Ordinal);
        }
        Assert.False(string.IsNullOrWhiteSpace(kind));
    }

    [Theory]
    [InlineData(30_000, "line 1: BEGIN PRIVATE KEY has no END boundary")] // 840 KB: under the size cap, so the scan meets them all
    [InlineData(100_000, "larger than 1 MiB")]
    public void A_key_file_of_many_begin_lines_fails_in_bounded_time(int lines, string message)
    {
        var pem = string.Concat(Enumerable.Repeat("-----BEGIN PRIVATE KEY-----\n", lines));

        var clock = Stopwatch.StartNew();
        var report = CertificateValidator.Validate(Good() with { PrivateKeyPem = pem });
        clock.Stop();

        AssertOnlyFailure(report, ValidationRules.KeyUnencrypted, message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Sec1_and_pkcs1_keys_with_their_certificate_in_the_same_file_read()
    {
        var ec = TestPki.CreateLeaf();
        var sec1 = ((ECDsa)ec.Key).ExportECPrivateKeyPem() + "\n" + ec.Certificate.ExportCertificatePem();
        AssertAllPassed(CertificateValidator.Validate(Good(ec) with { PrivateKeyPem = sec1 }));

        var rsa = TestPki.CreateLeaf(new LeafOptions { KeyType = TestKeyType.Rsa2048 });
        var pkcs1 = ((RSA)rsa.Key).ExportRSAPrivateKeyPem();
        var report = CertificateValidator.Validate(Good(rsa) with { PrivateKeyPem = pkcs1, ExpectedKey = null });
        Assert.Equal(RuleStatus.Passed, Result(report, ValidationRules.KeyUnencrypted).Status);
        Assert.Equal(RuleStatus.Passed, Result(report, ValidationRules.KeyMatches).Status);
    }

    private static byte[] Pkcs8(string algorithm, byte[] privateKey)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteInteger(0);
            using (w.PushSequence()) w.WriteObjectIdentifier(algorithm);
            w.WriteOctetString(privateKey);
        }
        return w.Encode();
    }

    private static byte[] Sec1WithCurve(string curve)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteInteger(1);
            w.WriteOctetString(new byte[32] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 });
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true))) w.WriteObjectIdentifier(curve);
        }
        return w.Encode();
    }
}
