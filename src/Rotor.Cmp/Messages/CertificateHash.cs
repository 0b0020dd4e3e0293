using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;

namespace Rotor.Cmp.Messages;

/// <summary>
/// certHash of certConf (RFC 4210 section 5.3.18, RFC 9481 section 2): the hash of the
/// certificate's DER, with the digest of the certificate's own signature algorithm.
/// </summary>
internal static class CertificateHash
{
    public static byte[] Compute(X509Certificate2 certificate)
    {
        var structure = X509CertificateStructure.GetInstance(certificate.RawData);
        return CryptographicOperations.HashData(AlgorithmFor(structure.SignatureAlgorithm), certificate.RawData);
    }

    public static HashAlgorithmName AlgorithmFor(AlgorithmIdentifier signatureAlgorithm) => signatureAlgorithm.Algorithm.Id switch
    {
        // ecdsa-with-SHA1/256/384/512 (RFC 5758), shaXWithRSAEncryption (RFC 8017)
        "1.2.840.10045.4.1" or "1.2.840.113549.1.1.5" => HashAlgorithmName.SHA1,
        "1.2.840.10045.4.3.2" or "1.2.840.113549.1.1.11" => HashAlgorithmName.SHA256,
        "1.2.840.10045.4.3.3" or "1.2.840.113549.1.1.12" => HashAlgorithmName.SHA384,
        "1.2.840.10045.4.3.4" or "1.2.840.113549.1.1.13" => HashAlgorithmName.SHA512,
        // id-RSASSA-PSS: the hash named in its RSASSA-PSS-params (default SHA-1, also when the parameters are absent).
        "1.2.840.113549.1.1.10" => FromHashOid((RsassaPssParameters.GetInstance(signatureAlgorithm.Parameters) ?? new RsassaPssParameters()).HashAlgorithm.Algorithm.Id),
        // id-Ed25519: RFC 9481 section 2 pairs it with SHA-512.
        "1.3.101.112" => HashAlgorithmName.SHA512,
        var other => throw CmpException.Refused($"certHash: no digest is known for the certificate's signature algorithm {other}", CmpReasons.Unsupported),
    };

    private static HashAlgorithmName FromHashOid(string oid) => oid switch
    {
        "1.3.14.3.2.26" => HashAlgorithmName.SHA1,
        "2.16.840.1.101.3.4.2.1" => HashAlgorithmName.SHA256,
        "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
        "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
        _ => throw CmpException.Refused($"certHash: RSASSA-PSS hash {oid} is not supported", CmpReasons.Unsupported),
    };
}
