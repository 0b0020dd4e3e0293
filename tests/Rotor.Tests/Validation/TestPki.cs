using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rotor.Tests.Validation;

/// <summary>A CA certificate with the key that signs for it.</summary>
public sealed record TestCa(X509Certificate2 Certificate, AsymmetricAlgorithm Key);

/// <summary>A leaf certificate (no private key attached) with its key and the key as unencrypted PKCS#8 PEM.</summary>
public sealed record TestLeaf(X509Certificate2 Certificate, AsymmetricAlgorithm Key, string KeyPem);

/// <summary>Which key a test certificate gets.</summary>
public sealed record TestKeyType(string Algorithm, int Size)
{
    public static readonly TestKeyType EcP256 = new("EC", 256);
    public static readonly TestKeyType EcP384 = new("EC", 384);
    public static readonly TestKeyType Rsa1024 = new("RSA", 1024);
    public static readonly TestKeyType Rsa2048 = new("RSA", 2048);

    public AsymmetricAlgorithm Create() => (Algorithm, Size) switch
    {
        ("EC", 256) => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        ("EC", 384) => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        ("EC", 521) => ECDsa.Create(ECCurve.NamedCurves.nistP521),
        ("RSA", _) => RSA.Create(Size),
        _ => throw new ArgumentOutOfRangeException(nameof(Algorithm), $"{Algorithm} {Size}"),
    };
}

/// <summary>Everything a test may want to vary on a leaf; the defaults make a good SIP server/client certificate.</summary>
public sealed record LeafOptions
{
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public string Subject { get; init; } = "CN=sip.example.com, O=Rotor Test";
    public IReadOnlyList<string> DnsNames { get; init; } = ["sip.example.com", "*.edge.example.com"];
    public IReadOnlyList<IPAddress> IpAddresses { get; init; } = [];
    public IReadOnlyList<Uri> Uris { get; init; } = [new Uri("sip:sip.example.com")];

    /// <summary>EKU OIDs; null leaves the extension out.</summary>
    public IReadOnlyList<string>? Ekus { get; init; } = [ServerAuthOid, ClientAuthOid];

    /// <summary>Key usage; null leaves the extension out.</summary>
    public X509KeyUsageFlags? KeyUsage { get; init; } = X509KeyUsageFlags.DigitalSignature;

    /// <summary>cA flag of basicConstraints; null leaves the extension out.</summary>
    public bool? IsCa { get; init; } = false;

    public DateTimeOffset NotBefore { get; init; } = TestPki.Now.AddDays(-10);
    public DateTimeOffset NotAfter { get; init; } = TestPki.Now.AddDays(80);
    public TestKeyType KeyType { get; init; } = TestKeyType.EcP256;
    public HashAlgorithmName Hash { get; init; } = HashAlgorithmName.SHA256;

    /// <summary>The signing CA; null means <see cref="TestPki.Intermediate"/>.</summary>
    public TestCa? Issuer { get; init; }

    /// <summary>Extensions added as given, after the others: raw DER a test crafts (a malformed EKU, a 5-byte iPAddress).</summary>
    public IReadOnlyList<X509Extension> ExtraExtensions { get; init; } = [];

    /// <summary>False leaves out the subject and authority key identifiers (for a test that crafts its own).</summary>
    public bool KeyIdentifiers { get; init; } = true;

    /// <summary>The public key to certify instead of the generated key's (e.g. one on an unknown curve).</summary>
    public PublicKey? PublicKey { get; init; }
}

/// <summary>
/// Test certificates made with <see cref="CertificateRequest"/>: an RSA root, an RSA intermediate
/// under it, and leaves under either. Certificates are signed through a name and a signature
/// generator, so a test can make certificates outside their issuer's validity or signed with SHA-1.
/// </summary>
public static class TestPki
{
    /// <summary>The fixed "now" of every validation test.</summary>
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<TestCa> LazyRoot = new(() => CreateRoot("CN=Rotor Test Root CA, O=Rotor Test"));
    private static readonly Lazy<TestCa> LazyIntermediate = new(() => CreateIntermediate(Root, "CN=Rotor Test Intermediate CA, O=Rotor Test"));

    public static TestCa Root => LazyRoot.Value;
    public static TestCa Intermediate => LazyIntermediate.Value;

    private static long serial = 1000;

    public static TestCa CreateRoot(string subject, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var key = RSA.Create(2048);
        var name = new X500DistinguishedName(subject);
        var request = CaRequest(name, key, HashAlgorithmName.SHA256);
        var cert = request.Create(name, Generator(key, HashAlgorithmName.SHA256), notBefore ?? new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero),
            notAfter ?? new DateTimeOffset(2045, 1, 1, 0, 0, 0, TimeSpan.Zero), NextSerial());
        return new TestCa(cert, key);
    }

    public static TestCa CreateIntermediate(TestCa issuer, string subject, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null,
        HashAlgorithmName? hash = null, IReadOnlyList<X509Extension>? extraExtensions = null)
    {
        var key = RSA.Create(2048);
        var h = hash ?? HashAlgorithmName.SHA256;
        var request = CaRequest(new X500DistinguishedName(subject), key, h);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        foreach (var extra in extraExtensions ?? []) request.CertificateExtensions.Add(extra);
        var cert = request.Create(issuer.Certificate.SubjectName, Generator(issuer.Key, h),
            notBefore ?? new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero),
            notAfter ?? new DateTimeOffset(2040, 1, 1, 0, 0, 0, TimeSpan.Zero), NextSerial());
        return new TestCa(cert, key);
    }

    public static TestLeaf CreateLeaf(LeafOptions? options = null)
    {
        var o = options ?? new LeafOptions();
        var issuer = o.Issuer ?? Intermediate;
        var key = o.KeyType.Create();
        var request = new CertificateRequest(new X500DistinguishedName(o.Subject), o.PublicKey ?? new PublicKey(key), o.Hash);
        if (o.IsCa is { } isCa)
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        }
        if (o.KeyUsage is { } usage)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        }
        if (o.Ekus is { } ekus)
        {
            var oids = new OidCollection();
            foreach (var eku in ekus) oids.Add(new Oid(eku));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }
        if (o.DnsNames.Count + o.IpAddresses.Count + o.Uris.Count > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var dns in o.DnsNames) san.AddDnsName(dns);
            foreach (var ip in o.IpAddresses) san.AddIpAddress(ip);
            foreach (var uri in o.Uris) san.AddUri(uri);
            request.CertificateExtensions.Add(san.Build());
        }
        if (o.KeyIdentifiers)
        {
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        }
        foreach (var extra in o.ExtraExtensions) request.CertificateExtensions.Add(extra);
        var cert = request.Create(issuer.Certificate.SubjectName, Generator(issuer.Key, o.Hash), o.NotBefore, o.NotAfter, NextSerial());
        return new TestLeaf(cert, key, key.ExportPkcs8PrivateKeyPem());
    }

    private static CertificateRequest CaRequest(X500DistinguishedName name, RSA key, HashAlgorithmName hash)
    {
        var request = new CertificateRequest(name, new PublicKey(key), hash);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request;
    }

    /// <summary>A signature generator for the issuer key; SHA-1 with RSA goes through <see cref="Sha1RsaSignatureGenerator"/>.</summary>
    private static X509SignatureGenerator Generator(AsymmetricAlgorithm issuerKey, HashAlgorithmName hash) => issuerKey switch
    {
        RSA rsa when hash == HashAlgorithmName.SHA1 => new Sha1RsaSignatureGenerator(rsa),
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        _ => throw new ArgumentException($"unsupported issuer key {issuerKey.GetType().Name}", nameof(issuerKey)),
    };

    private static byte[] NextSerial()
    {
        var bytes = BitConverter.GetBytes(Interlocked.Increment(ref serial));
        if (BitConverter.IsLittleEndian) Array.Reverse(bytes);
        return bytes;
    }
}
