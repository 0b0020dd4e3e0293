using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rotor.Tests.Probes;

/// <summary>A root, an intermediate and server leaves issued in memory, for TLS servers inside tests.</summary>
public sealed class TestPki : IDisposable
{
    private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestPki(string name = "Probe Test", DateTimeOffset? now = null)
    {
        Now = now ?? TimeProvider.System.GetUtcNow();
        var root = new CertificateRequest($"CN={name} Root", _rootKey, HashAlgorithmName.SHA256);
        root.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        root.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        root.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(root.PublicKey, false));
        Root = root.CreateSelfSigned(Now.AddYears(-1), Now.AddYears(10));

        var intermediate = new CertificateRequest($"CN={name} Intermediate", _intermediateKey, HashAlgorithmName.SHA256);
        intermediate.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediate.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        intermediate.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intermediate.PublicKey, false));
        intermediate.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        using var signed = intermediate.Create(Root, Now.AddYears(-1), Now.AddYears(5), [1, 2, 3, 4]);
        Intermediate = X509CertificateLoader.LoadCertificate(signed.RawData);
    }

    /// <summary>The instant the certificates are made around; give it to a FakeTimeProvider.</summary>
    public DateTimeOffset Now { get; }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    /// <summary>A leaf with its private key, issued by the intermediate, for DNS localhost and IP 127.0.0.1 unless told otherwise.</summary>
    public X509Certificate2 IssueLeaf(string dnsName = "localhost", TimeSpan? validFor = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Intermediate, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var intermediateWithKey = Intermediate.CopyWithPrivateKey(_intermediateKey);
        using var leaf = request.Create(intermediateWithKey, Now.AddDays(-1), Now.Add(validFor ?? TimeSpan.FromDays(30)), serial);
        using var withKey = leaf.CopyWithPrivateKey(key);
        // A PKCS#12 round trip gives a key the TLS stack can use on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public static string Sha256(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));

    public void Dispose()
    {
        Root.Dispose();
        Intermediate.Dispose();
        _rootKey.Dispose();
        _intermediateKey.Dispose();
    }
}
