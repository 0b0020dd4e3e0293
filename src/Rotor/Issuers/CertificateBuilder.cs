using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Issuers;

/// <summary>
/// Builds X.509 certificates the way Rotor's local issuers sign them (RFC 5280): 128-bit random
/// serials, SKI and AKI, basicConstraints, key usage by key type, EKU from the spec's usages,
/// SANs from its names.
/// </summary>
internal static class CertificateBuilder
{
    /// <summary>A positive 128-bit serial (RFC 5280 4.1.2.2: at most 20 octets, positive).</summary>
    public static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01; // never a leading zero octet, so the encoding is exactly 16 bytes
        return serial;
    }

    public static HashAlgorithmName HashFor(AsymmetricAlgorithm signingKey) => signingKey switch
    {
        ECDsa { KeySize: >= 384 } => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA256,
    };

    public static X509SignatureGenerator GeneratorFor(AsymmetricAlgorithm signingKey) => signingKey switch
    {
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        _ => throw new NotSupportedException("signing key must be ECDSA or RSA"),
    };

    public static X500DistinguishedName LeafSubject(CertificateSpec spec)
    {
        var cn = spec.CommonName ?? spec.DnsNames.FirstOrDefault() ?? spec.IpAddresses.FirstOrDefault();
        var builder = new X500DistinguishedNameBuilder();
        if (cn is not null)
        {
            builder.AddCommonName(cn);
        }
        return builder.Build();
    }

    /// <summary>A request for <paramref name="subject"/> and <paramref name="key"/> (SHA-256; PKCS#1 v1.5 for RSA).</summary>
    public static CertificateRequest NewRequest(X500DistinguishedName subject, AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => throw new RotorException("unsupported key type: only ECDSA and RSA keys are supported", isTransient: false),
    };

    /// <summary>A copy of <paramref name="certificate"/> that holds <paramref name="key"/> (ECDSA or RSA), for signing with it or exporting both.</summary>
    public static X509Certificate2 WithPrivateKey(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec => certificate.CopyWithPrivateKey(ec),
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        _ => throw new RotorException("unsupported key type: only ECDSA and RSA keys are supported", isTransient: false),
    };

    /// <summary>Adds the end-entity extensions for <paramref name="spec"/> to a request.</summary>
    public static void AddLeafExtensions(CertificateRequest request, CertificateSpec spec, bool isRsa)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var ku = X509KeyUsageFlags.DigitalSignature;
        if (isRsa || spec.Usages.Contains(Usages.KeyEncipherment))
        {
            ku |= X509KeyUsageFlags.KeyEncipherment;
        }
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ku, true));
        var ekus = new OidCollection();
        foreach (var usage in spec.Usages)
        {
            if (Usages.EkuOid(usage) is { } oid)
            {
                ekus.Add(new Oid(oid));
            }
        }
        if (ekus.Count > 0)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(ekus, false));
        }
        var san = new SubjectAlternativeNameBuilder();
        var any = false;
        foreach (var dns in spec.DnsNames) { san.AddDnsName(dns); any = true; }
        foreach (var ip in spec.IpAddresses) { san.AddIpAddress(IPAddress.Parse(ip)); any = true; }
        foreach (var uri in spec.Uris) { san.AddUri(new Uri(uri)); any = true; }
        if (!any && spec.CommonName is not null)
        {
            san.AddDnsName(spec.CommonName);
            any = true;
        }
        if (any)
        {
            request.CertificateExtensions.Add(san.Build(critical: spec.CommonName is null));
        }
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    /// <summary>Adds the CA extensions (basicConstraints cA, keyCertSign, SKI).</summary>
    public static void AddCaExtensions(CertificateRequest request, int? pathLength)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, pathLength is not null, pathLength ?? 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    public static void AddAuthorityKeyId(CertificateRequest request, X509Certificate2 issuer) =>
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
}
