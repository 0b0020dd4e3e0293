using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Security;

namespace Rotor.Cmp.Protection;

/// <summary>
/// Signatures for protection and POP: made with .NET keys (the keys Rotor holds), checked
/// with BouncyCastle, which knows every AlgorithmIdentifier a server may choose.
/// </summary>
internal static class CmpSignatures
{
    /// <summary>
    /// The signature algorithm for a key: ECDSA with the hash sized to the curve (RFC 5758
    /// section 3.2), or RSA PKCS#1 v1.5 with SHA-256 (RFC 9481 section 3).
    /// </summary>
    public static AlgorithmIdentifier AlgorithmFor(AsymmetricAlgorithm key) => key switch
    {
        // ecdsa-with-SHAxxx: parameters absent.
        ECDsa ec => new AlgorithmIdentifier(new DerObjectIdentifier(EcdsaHash(ec).Oid)),
        // sha256WithRSAEncryption: parameters NULL.
        RSA => new AlgorithmIdentifier(new DerObjectIdentifier("1.2.840.113549.1.1.11"), DerNull.Instance),
        _ => throw new ArgumentException($"CMP signing supports ECDSA and RSA keys, not {key.GetType().Name}", nameof(key)),
    };

    /// <summary>Signs with the algorithm of <see cref="AlgorithmFor"/>; ECDSA signatures are the DER Ecdsa-Sig-Value.</summary>
    public static (AlgorithmIdentifier Algorithm, byte[] Signature) Sign(AsymmetricAlgorithm key, byte[] data) => key switch
    {
        ECDsa ec => (AlgorithmFor(key), ec.SignData(data, EcdsaHash(ec).Hash, DSASignatureFormat.Rfc3279DerSequence)),
        RSA rsa => (AlgorithmFor(key), rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)),
        _ => throw new ArgumentException($"CMP signing supports ECDSA and RSA keys, not {key.GetType().Name}", nameof(key)),
    };

    private static (HashAlgorithmName Hash, string Oid) EcdsaHash(ECDsa ec) => ec.KeySize switch
    {
        <= 256 => (HashAlgorithmName.SHA256, "1.2.840.10045.4.3.2"),
        <= 384 => (HashAlgorithmName.SHA384, "1.2.840.10045.4.3.3"),
        _ => (HashAlgorithmName.SHA512, "1.2.840.10045.4.3.4"),
    };

    /// <summary>True when <paramref name="signature"/> over <paramref name="data"/> verifies with the certificate's key.</summary>
    public static bool Verify(AlgorithmIdentifier algorithm, X509CertificateStructure signer, byte[] data, byte[] signature)
    {
        try
        {
            var verifier = SignerUtilities.GetSigner(algorithm.Algorithm);
            verifier.Init(false, PublicKeyFactory.CreateKey(signer.SubjectPublicKeyInfo));
            verifier.BlockUpdate(data, 0, data.Length);
            return verifier.VerifySignature(signature);
        }
        catch (SecurityUtilityException)
        {
            throw CmpException.Refused($"signature algorithm {algorithm.Algorithm.Id} is not supported", CmpReasons.Unsupported);
        }
        catch (Exception e) when (e is ArgumentException or InvalidKeyException or InvalidOperationException)
        {
            return false;
        }
    }
}
