using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;
using Org.BouncyCastle.Asn1.X509;
using Rotor.Cmp.Messages;

namespace Rotor.Cmp.Protection;

/// <summary>
/// PasswordBasedMac (RFC 4211 section 4.4, RFC 9481 section 6.1.1): the MAC key is the
/// one-way function applied iterationCount times to (secret || salt), and the MAC is computed
/// with that key over the DER of ProtectedPart.
/// </summary>
internal static class PasswordBasedMac
{
    public const string Oid = "1.2.840.113533.7.66.13";

    /// <summary>
    /// A server's iterationCount costs this client CPU; RFC 4211 section 4.4 asks clients to
    /// bound it so a hostile response cannot make it hash for minutes.
    /// </summary>
    public const int MaxIterations = 100_000;

    private const string Sha1 = "1.3.14.3.2.26";
    private const string Sha256 = "2.16.840.1.101.3.4.2.1";
    private const string Sha384 = "2.16.840.1.101.3.4.2.2";
    private const string Sha512 = "2.16.840.1.101.3.4.2.3";

    /// <summary>PBMParameter for a new request: fresh 16-byte salt, SHA-256, HMAC-SHA256.</summary>
    public static AlgorithmIdentifier NewAlgorithm(int iterations)
    {
        // PBMParameter ::= SEQUENCE { salt OCTET STRING, owf AlgorithmIdentifier,
        //                             iterationCount INTEGER, mac AlgorithmIdentifier }
        var parameters = new PbmParameter(
            RandomNumberGenerator.GetBytes(16),
            new AlgorithmIdentifier(new DerObjectIdentifier(Sha256)),
            iterations,
            new AlgorithmIdentifier(new DerObjectIdentifier("1.2.840.113549.2.9"))); // hmacWithSHA256
        return new AlgorithmIdentifier(new DerObjectIdentifier(Oid), parameters);
    }

    /// <summary>
    /// The MAC of <paramref name="protectedPart"/> under the parameters in
    /// <paramref name="algorithm"/> (which for a response are the server's own: it picks its
    /// salt, iteration count and MAC independently of the request).
    /// </summary>
    public static byte[] Compute(ReadOnlySpan<byte> secret, AlgorithmIdentifier algorithm, ReadOnlySpan<byte> protectedPart)
    {
        // PbmParameter.GetInstance returns null for absent parameters and throws for wrong ones.
        var p = CmpDecode.Run("PBMParameter", () => PbmParameter.GetInstance(algorithm.Parameters))
            ?? throw CmpException.Refused("PBMParameter is missing", CmpReasons.Malformed);
        var owf = HashName(p.Owf.Algorithm.Id)
            ?? throw CmpException.Refused($"PBM one-way function {p.Owf.Algorithm.Id} is not supported", CmpReasons.Unsupported);
        if (p.IterationCount.Value.SignValue <= 0)
        {
            throw CmpException.Refused($"PBM iterationCount {CmpDecode.Describe(p.IterationCount)} is not positive", CmpReasons.Malformed);
        }
        // Checked before any hashing: 2^31 iterations would be minutes of CPU.
        if (!p.IterationCount.TryGetIntValueExact(out var iterations) || iterations > MaxIterations)
        {
            throw CmpException.Refused($"PBM iterationCount {CmpDecode.Describe(p.IterationCount)} exceeds the limit of {MaxIterations}", CmpReasons.Unsupported);
        }
        var salt = p.Salt.GetOctets();

        // BASEKEY = H(H(...H(secret || salt)...)), iterationCount times.
        var key = new byte[secret.Length + salt.Length];
        secret.CopyTo(key);
        salt.CopyTo(key.AsSpan(secret.Length));
        try
        {
            for (var i = 0; i < iterations; i++)
            {
                var next = CryptographicOperations.HashData(owf, key);
                CryptographicOperations.ZeroMemory(key);
                key = next;
            }
            var mac = HmacName(p.Mac.Algorithm.Id)
                ?? throw CmpException.Refused($"PBM MAC algorithm {p.Mac.Algorithm.Id} is not supported", CmpReasons.Unsupported);
            return CryptographicOperations.HmacData(mac, key, protectedPart);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static HashAlgorithmName? HashName(string oid) => oid switch
    {
        Sha1 => HashAlgorithmName.SHA1,
        Sha256 => HashAlgorithmName.SHA256,
        Sha384 => HashAlgorithmName.SHA384,
        Sha512 => HashAlgorithmName.SHA512,
        _ => null,
    };

    // HMAC identifiers of RFC 4211 (hmac-sha1, 1.3.6.1.5.5.8.1.2) and RFC 8018 (hmacWithSHAxxx).
    private static HashAlgorithmName? HmacName(string oid) => oid switch
    {
        "1.3.6.1.5.5.8.1.2" or "1.2.840.113549.2.7" => HashAlgorithmName.SHA1,
        "1.2.840.113549.2.9" => HashAlgorithmName.SHA256,
        "1.2.840.113549.2.10" => HashAlgorithmName.SHA384,
        "1.2.840.113549.2.11" => HashAlgorithmName.SHA512,
        _ => null,
    };
}
