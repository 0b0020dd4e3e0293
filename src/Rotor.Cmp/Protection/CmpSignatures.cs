using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Rotor.Cmp.Messages;

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

    /// <summary>
    /// True when <paramref name="signature"/> over <paramref name="data"/> verifies with the
    /// certificate's key. The key is checked before it is used (<see cref="CheckKey"/>): a
    /// signature check costs the client CPU in proportion to the key the server chose.
    /// </summary>
    public static bool Verify(AlgorithmIdentifier algorithm, X509CertificateStructure signer, byte[] data, byte[] signature)
    {
        ISigner verifier;
        try
        {
            verifier = SignerUtilities.GetSigner(algorithm.Algorithm);
        }
        catch (SecurityUtilityException)
        {
            throw CmpException.Refused($"signature algorithm {algorithm.Algorithm.Id} is not supported", CmpReasons.Unsupported);
        }
        var key = CmpDecode.Run("the signer's public key", () =>
        {
            CheckKey(signer.SubjectPublicKeyInfo);
            return PublicKeyFactory.CreateKey(signer.SubjectPublicKeyInfo);
        });
        try
        {
            verifier.Init(false, key);
            verifier.BlockUpdate(data, 0, data.Length);
            return verifier.VerifySignature(signature);
        }
        catch (Exception e) when (CmpDecode.IsMalformedContent(e))
        {
            // A key of another kind than the algorithm, a signature that is not even well formed.
            return false;
        }
    }

    private const string RsaEncryption = "1.2.840.113549.1.1.1";
    private const string RsaPss = "1.2.840.113549.1.1.10";
    private const string EcPublicKey = "1.2.840.10045.2.1";
    private const string Ed25519 = "1.3.101.112";
    private const string Ed448 = "1.3.101.113";

    /// <summary>The largest RSA modulus checked (as OpenSSL's own limit); larger ones only burn CPU.</summary>
    private const int MaxRsaBits = 16384;

    /// <summary>
    /// Only the key types a CMP server signs with (RFC 9481 section 3): RSA up to
    /// <see cref="MaxRsaBits"/> with a small public exponent, ECDSA on a named curve (explicit
    /// curve parameters, which RFC 5480 forbids, could name a huge field), EdDSA.
    /// </summary>
    internal static void CheckKey(SubjectPublicKeyInfo info)
    {
        switch (info.Algorithm.Algorithm.Id)
        {
            case RsaEncryption or RsaPss:
                var rsa = RsaPublicKeyStructure.GetInstance(info.ParsePublicKey());
                if (rsa.Modulus.BitLength > MaxRsaBits || rsa.PublicExponent.BitLength > 64)
                {
                    throw CmpException.Refused($"the signer's RSA key ({rsa.Modulus.BitLength} bits, exponent of {rsa.PublicExponent.BitLength} bits) is beyond the supported sizes",
                        CmpReasons.Unsupported);
                }
                break;
            case EcPublicKey:
                if (info.Algorithm.Parameters is not DerObjectIdentifier curve || ECNamedCurveTable.GetByOid(curve) is null)
                {
                    throw CmpException.Refused("the signer's EC key is not on a named curve", CmpReasons.Unsupported);
                }
                break;
            case Ed25519 or Ed448:
                break;
            default:
                throw CmpException.Refused($"the signer's key type {info.Algorithm.Algorithm.Id} is not supported", CmpReasons.Unsupported);
        }
    }
}
