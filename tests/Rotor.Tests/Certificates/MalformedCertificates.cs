using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Tests.Validation;

namespace Rotor.Tests.Certificates;

/// <summary>One class of malformed certificate: a name, the leaf, and the part a report must name.</summary>
public sealed record MalformedCase(string Name, TestLeaf Leaf, string Part, string Rule)
{
    public override string ToString() => Name;
}

/// <summary>
/// The malformed-certificate corpus, built from good certificates: each extension the rules read
/// replaced by raw DER crafted here, a key on a curve no one knows, every byte of a small
/// certificate flipped, chains far too long. Signed properly, so only the crafted part is wrong.
/// </summary>
public static class MalformedCertificates
{
    public const string San = "2.5.29.17";
    public const string Eku = "2.5.29.37";
    public const string Ku = "2.5.29.15";
    public const string Bc = "2.5.29.19";

    /// <summary>SAN with one iPAddress of 5 bytes (only 4 or 16 exist).</summary>
    public static X509Extension FiveByteIp => new(San, [0x30, 0x07, 0x87, 0x05, 192, 0, 2, 1, 7], false);

    /// <summary>EKU whose OBJECT IDENTIFIER claims 5 bytes and has 1.</summary>
    public static X509Extension TruncatedEku => new(Eku, [0x30, 0x03, 0x06, 0x05, 0x2B], false);

    /// <summary>KU whose BIT STRING claims 5 bytes and has 1.</summary>
    public static X509Extension TruncatedKu => new(Ku, [0x03, 0x05, 0x00], true);

    /// <summary>basicConstraints with a BOOLEAN missing its value.</summary>
    public static X509Extension TruncatedBc => new(Bc, [0x30, 0x03, 0x01, 0x01], true);

    /// <summary>basicConstraints followed by trailing garbage.</summary>
    public static X509Extension TrailingBc => new(Bc, [0x30, 0x00, 0xFF, 0x00], true);

    public static TestLeaf Leaf(params X509Extension[] extensions) => TestPki.CreateLeaf(new LeafOptions
    {
        // The crafted extensions replace the good ones of the same kind.
        DnsNames = extensions.Any(e => e.Oid?.Value == San) ? [] : ["sip.example.com", "*.edge.example.com"],
        Uris = extensions.Any(e => e.Oid?.Value == San) ? [] : [new Uri("sip:sip.example.com")],
        Ekus = extensions.Any(e => e.Oid?.Value == Eku) ? null : [LeafOptions.ServerAuthOid, LeafOptions.ClientAuthOid],
        KeyUsage = extensions.Any(e => e.Oid?.Value == Ku) ? null : X509KeyUsageFlags.DigitalSignature,
        IsCa = extensions.Any(e => e.Oid?.Value == Bc) ? null : false,
        ExtraExtensions = extensions,
    });

    /// <summary>An EC public key on curve 1.2.3.4.5, which no one implements.</summary>
    public static PublicKey UnknownCurveKey()
    {
        var curve = new AsnWriter(AsnEncodingRules.DER);
        curve.WriteObjectIdentifier("1.2.3.4.5");
        var point = new byte[65];
        point[0] = 0x04; // uncompressed point
        RandomNumberGenerator.Fill(point.AsSpan(1));
        return new PublicKey(new Oid("1.2.840.10045.2.1"), new AsnEncodedData(curve.Encode()), new AsnEncodedData(point));
    }

    /// <summary>Each class the issue names, through one leaf each.</summary>
    public static IEnumerable<MalformedCase> Classes()
    {
        yield return new("5-byte iPAddress SAN", Leaf(FiveByteIp), "subjectAltName", "sans-cover-spec");
        yield return new("truncated EKU", Leaf(TruncatedEku), "extendedKeyUsage", "usages");
        yield return new("truncated key usage", Leaf(TruncatedKu), "keyUsage", "usages");
        yield return new("truncated basicConstraints", Leaf(TruncatedBc), "basicConstraints", "leaf-not-ca");
        yield return new("basicConstraints with trailing bytes", Leaf(TrailingBc), "basicConstraints", "leaf-not-ca");
        yield return new("unknown curve", TestPki.CreateLeaf(new LeafOptions { PublicKey = UnknownCurveKey() }), "1.2.3.4.5", "key-policy");
        yield return new("repeated subjectAltName", TwoSans(), "appears more than once", "sans-cover-spec");
        yield return new("notBefore in month 13", Month13(), "validity", "currently-valid");
    }

    /// <summary>A small self-contained leaf (EC, short names) whose DER every flip test walks.</summary>
    public static TestLeaf SmallLeaf() => TestPki.CreateLeaf(new LeafOptions
    {
        Subject = "CN=s",
        DnsNames = ["s.example"],
        Uris = [],
        Ekus = [LeafOptions.ServerAuthOid],
    });

    /// <summary>
    /// <paramref name="certificate"/> with its to-be-signed part changed by <paramref name="patch"/> and
    /// signed again by <paramref name="issuer"/> (RSA, SHA-256): for content CertificateRequest refuses to make.
    /// </summary>
    public static X509Certificate2 Resigned(X509Certificate2 certificate, TestCa issuer, Func<byte[], byte[]> patch)
    {
        var outer = new AsnReader(certificate.RawData, AsnEncodingRules.DER).ReadSequence();
        var tbs = patch(outer.ReadEncodedValue().ToArray());
        var algorithm = outer.ReadEncodedValue().ToArray();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(tbs);
            writer.WriteEncodedValue(algorithm);
            writer.WriteBitString(((RSA)issuer.Key).SignData(tbs, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
        return X509CertificateLoader.LoadCertificate(writer.Encode());
    }

    /// <summary>A leaf with two subjectAltName extensions (the second made as issuerAltName, then renamed).</summary>
    public static TestLeaf TwoSans()
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("other.example.com");
        var leaf = TestPki.CreateLeaf(new LeafOptions { ExtraExtensions = [new X509Extension("2.5.29.18", san.Build().RawData, false)] });
        byte[] issuerAltName = [0x06, 0x03, 0x55, 0x1D, 0x12];
        var twice = Resigned(leaf.Certificate, TestPki.Intermediate, tbs =>
        {
            var at = tbs.AsSpan().IndexOf(issuerAltName);
            tbs[at + 4] = 0x11;
            return tbs;
        });
        return leaf with { Certificate = twice };
    }

    /// <summary>A leaf whose notBefore says month 13: OpenSSL loads it, .NET cannot read the date.</summary>
    public static TestLeaf Month13()
    {
        var leaf = TestPki.CreateLeaf();
        var month13 = Resigned(leaf.Certificate, TestPki.Intermediate, tbs =>
        {
            var at = tbs.AsSpan().IndexOf([(byte)0x17, (byte)0x0D]); // UTCTime "YYMMDDHHMMSSZ"
            tbs[at + 4] = (byte)'1';
            tbs[at + 5] = (byte)'3';
            return tbs;
        });
        return leaf with { Certificate = month13 };
    }

    /// <summary>Copies of <paramref name="der"/> with byte <c>i</c> inverted, for every i.</summary>
    public static IEnumerable<(int Index, byte[] Der)> ByteFlips(byte[] der)
    {
        for (var i = 0; i < der.Length; i++)
        {
            var copy = (byte[])der.Clone();
            copy[i] ^= 0xFF;
            yield return (i, copy);
        }
    }

    /// <summary>PEM for raw DER (which need not decode as a certificate).</summary>
    public static string Pem(byte[] der) => PemEncoding.WriteString("CERTIFICATE", der) + "\n";

    public static string Pem(params X509Certificate2[] certificates) => string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n"));
}
