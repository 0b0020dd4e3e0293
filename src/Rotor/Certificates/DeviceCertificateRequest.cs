using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;

namespace Rotor.Certificates;

/// <summary>
/// A PKCS#10 request (RFC 2986) made by a device that keeps its key: read, its signature
/// verified against the public key it carries (proof the device holds that key), and refused
/// when signed with SHA-1. Only the public key is used: the names come from the spec.
/// </summary>
public static class DeviceCertificateRequest
{
    /// <summary>Most bytes of a request Rotor reads; an RSA-4096 request is under 2 KiB.</summary>
    public const int MaxBytes = 64 * 1024;

    private static readonly Dictionary<string, string> Sha1Signatures = new(StringComparer.Ordinal)
    {
        ["1.2.840.113549.1.1.5"] = "sha1WithRSAEncryption",
        ["1.2.840.10045.4.1"] = "ecdsa-with-SHA1",
        ["1.3.14.3.2.29"] = "sha1WithRSASignature",
    };

    /// <summary>The request's public key (an RSA or ECDSA object with the public half only) and its SubjectPublicKeyInfo DER.</summary>
    public static (AsymmetricAlgorithm PublicKey, byte[] SubjectPublicKeyInfo) Read(byte[] der, string device)
    {
        ArgumentNullException.ThrowIfNull(der);
        if (der.Length == 0 || der.Length > MaxBytes) throw Bad(device, $"is {der.Length} bytes long");
        string algorithm;
        try
        {
            // CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm AlgorithmIdentifier, signature BIT STRING }
            var request = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            request.ReadEncodedValue(); // certificationRequestInfo
            algorithm = request.ReadSequence().ReadObjectIdentifier();
        }
        catch (AsnContentException)
        {
            throw Bad(device, "is not a DER PKCS#10 request");
        }
        if (Sha1Signatures.TryGetValue(algorithm, out var sha1))
        {
            throw Bad(device, $"is signed with {sha1}; Rotor asks for sha256 and takes no SHA-1 request");
        }
        CertificateRequest parsed;
        try
        {
            // Verifies the signature with the request's own public key.
            parsed = CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw Bad(device, $"does not verify ({e.GetType().Name}): it is not signed by the key it carries");
        }
        AsymmetricAlgorithm key = (AsymmetricAlgorithm?)parsed.PublicKey.GetRSAPublicKey() ?? parsed.PublicKey.GetECDsaPublicKey()
            ?? throw Bad(device, "carries neither an RSA nor an ECDSA key");
        return (key, parsed.PublicKey.ExportSubjectPublicKeyInfo());
    }

    private static RotorException Bad(string device, string problem) =>
        new($"the certificate request from target '{device}' {problem}", isTransient: false) { Reason = RotorReasons.KeyOnDeviceBadRequest };
}
