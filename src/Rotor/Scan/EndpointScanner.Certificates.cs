using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Scan;

namespace Rotor.Scan;

/// <summary>A presented certificate as a scan reports it, and whether it has an AIA extension (where an OCSP responder would be named).</summary>
internal sealed record DescribedCertificate(ScannedCertificate Certificate, bool HasAuthorityInformationAccess);

public sealed partial class EndpointScanner
{
    /// <summary>RFC 5280 §4.2.2.1 id-pe-authorityInfoAccess.</summary>
    private const string AuthorityInformationAccess = "1.3.6.1.5.5.7.1.1";

    private const int MaxCachedCertificates = 4096;

    // What each distinct presented certificate shows, by the SHA-256 of its DER: that is all it depends
    // on, so a certificate many endpoints present (a cluster's shared leaf, a CA's intermediate) is
    // described once per run, and each endpoint still reports the certificate it presented. Bounded;
    // past the bound a certificate is simply described again.
    private readonly ConcurrentDictionary<string, DescribedCertificate> _described = new(StringComparer.Ordinal);

    /// <summary>What <paramref name="c"/> shows, described once per distinct certificate in this scanner's run.</summary>
    private DescribedCertificate DescribeOnce(X509Certificate2 c)
    {
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(c.RawDataMemory.Span));
        if (_described.TryGetValue(sha256, out var known)) return known;
        var described = Describe(c, sha256);
        if (_described.Count < MaxCachedCertificates) _described.TryAdd(sha256, described);
        return described;
    }

    /// <param name="sha256">The SHA-256 of <paramref name="c"/>'s DER, lower-case hex.</param>
    internal static DescribedCertificate Describe(X509Certificate2 c, string sha256)
    {
        var names = new List<string>();
        var extensions = c.Extensions;
        var hasAia = extensions[AuthorityInformationAccess] is not null;
        if (extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault() is { } san)
        {
            try
            {
                names.AddRange(san.EnumerateDnsNames().Take(100));
                names.AddRange(san.EnumerateIPAddresses().Take(100).Select(a => a.ToString()));
            }
            catch (CryptographicException)
            {
                // A SAN that does not decode is reported as no names; the name check then fails.
            }
        }
        var (algorithm, size) = KeyOf(c);
        return new DescribedCertificate(new ScannedCertificate
        {
            Subject = c.Subject,
            Issuer = c.Issuer,
            Serial = c.SerialNumber,
            Sha256 = sha256,
            NotBefore = new DateTimeOffset(c.NotBefore.ToUniversalTime()),
            NotAfter = new DateTimeOffset(c.NotAfter.ToUniversalTime()),
            Names = names,
            KeyAlgorithm = algorithm,
            KeySize = size,
            SignatureAlgorithm = c.SignatureAlgorithm.FriendlyName ?? c.SignatureAlgorithm.Value ?? "",
        }, hasAia);
    }

    private static (string Algorithm, int Size) KeyOf(X509Certificate2 c)
    {
        try
        {
            switch (c.PublicKey.Oid.Value)
            {
                case "1.2.840.113549.1.1.1":
                    using (var rsa = c.GetRSAPublicKey()) return ("RSA", rsa?.KeySize ?? 0);
                case "1.2.840.10045.2.1":
                    using (var ec = c.GetECDsaPublicKey()) return ("ECDSA", ec?.KeySize ?? 0);
                case "1.3.101.112": return ("Ed25519", 256);
                case "1.3.101.113": return ("Ed448", 456);
                case "1.2.840.10040.4.1": return ("DSA", 0);
                default: return (c.PublicKey.Oid.Value ?? "unknown", 0);
            }
        }
        catch (CryptographicException)
        {
            return (c.PublicKey.Oid.Value ?? "unknown", 0);
        }
    }

    private static List<X509Certificate2> Load(IReadOnlyList<byte[]> der)
    {
        var list = new List<X509Certificate2>();
        foreach (var d in der)
        {
            try
            {
                list.Add(X509CertificateLoader.LoadCertificate(d));
            }
            catch (CryptographicException)
            {
                break; // the rest of a chain after an unreadable certificate is not worth judging
            }
        }
        return list;
    }
}
