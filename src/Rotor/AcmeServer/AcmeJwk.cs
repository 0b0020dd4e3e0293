using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rotor.Acme.Jws;

namespace Rotor.AcmeServer;

/// <summary>
/// A client's public key as a JWK (RFC 7517): EC P-256/P-384 or RSA of 2048 to 8192 bits, its
/// RFC 7638 thumbprint (the account's identity on this server), and the canonical JSON Rotor
/// stores for it.
/// </summary>
internal sealed class AcmeJwk : IDisposable
{
    private AcmeJwk(AsymmetricAlgorithm key, string canonicalJson)
    {
        Key = key;
        CanonicalJson = canonicalJson;
        Thumbprint = Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)));
    }

    public AsymmetricAlgorithm Key { get; }

    /// <summary>The required members only, in lexicographic order, no whitespace (the RFC 7638 form).</summary>
    public string CanonicalJson { get; }

    public string Thumbprint { get; }

    /// <summary>Reads a JWK object; a key Rotor does not take is a malformed or badPublicKey problem, never an exception of another kind.</summary>
    public static AcmeJwk Parse(JsonElement jwk)
    {
        if (jwk.ValueKind != JsonValueKind.Object) throw AcmeProblemException.Malformed("jwk must be a JSON object");
        var kty = Member(jwk, "kty");
        try
        {
            switch (kty)
            {
                case "EC":
                    var crv = Member(jwk, "crv");
                    var (curve, size) = crv switch
                    {
                        "P-256" => (ECCurve.NamedCurves.nistP256, 32),
                        "P-384" => (ECCurve.NamedCurves.nistP384, 48),
                        _ => throw BadKey($"EC curve {crv} is not supported (P-256 or P-384)"),
                    };
                    var x = Base64Url.Decode(Member(jwk, "x"));
                    var y = Base64Url.Decode(Member(jwk, "y"));
                    if (x.Length != size || y.Length != size) throw BadKey($"EC coordinates must be {size} bytes for {crv}");
                    var ec = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } });
                    return new AcmeJwk(ec, $$"""{"crv":"{{crv}}","kty":"EC","x":"{{Base64Url.Encode(x)}}","y":"{{Base64Url.Encode(y)}}"}""");
                case "RSA":
                    var n = Base64Url.Decode(Member(jwk, "n"));
                    var e = Base64Url.Decode(Member(jwk, "e"));
                    var bits = (n.Length - (n.Length > 0 && n[0] == 0 ? 1 : 0)) * 8;
                    if (bits is < 2048 or > 8192) throw BadKey($"an RSA key of {bits} bits is not accepted (2048 to 8192)");
                    var rsa = RSA.Create(new RSAParameters { Modulus = n, Exponent = e });
                    return new AcmeJwk(rsa, $$"""{"e":"{{Base64Url.Encode(e)}}","kty":"RSA","n":"{{Base64Url.Encode(n)}}"}""");
                default:
                    throw BadKey($"key type '{kty}' is not supported (EC or RSA)");
            }
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            throw BadKey($"the {kty} key does not decode ({ex.GetType().Name})");
        }
    }

    /// <summary>The JWS algorithm this key signs with, checked against the one the header names.</summary>
    public void CheckAlgorithm(string alg)
    {
        var expected = Key switch
        {
            ECDsa { KeySize: 256 } => "ES256",
            ECDsa { KeySize: 384 } => "ES384",
            _ => "RS256",
        };
        if (alg != expected)
        {
            throw AcmeProblemException.BadSignatureAlgorithm($"alg '{alg}' does not fit this key; it signs with {expected} (ES256, ES384 and RS256 are accepted)");
        }
    }

    public bool Verify(byte[] signingInput, byte[] signature) => Key switch
    {
        ECDsa ec => ec.VerifyData(signingInput, signature, ec.KeySize == 256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA384,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
        RSA rsa => rsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => false,
    };

    /// <summary>True when <paramref name="other"/> is the same public key (same thumbprint).</summary>
    public bool SameKey(AsymmetricAlgorithm other)
    {
        var spki = Key switch { ECDsa ec => ec.ExportSubjectPublicKeyInfo(), RSA rsa => rsa.ExportSubjectPublicKeyInfo(), _ => [] };
        var theirs = other switch { ECDsa ec => ec.ExportSubjectPublicKeyInfo(), RSA rsa => rsa.ExportSubjectPublicKeyInfo(), _ => [] };
        return spki.Length > 0 && spki.AsSpan().SequenceEqual(theirs);
    }

    public static AcmeJwk FromStored(string canonicalJson)
    {
        using var doc = JsonDocument.Parse(canonicalJson);
        return Parse(doc.RootElement);
    }

    private static string Member(JsonElement jwk, string name) =>
        jwk.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw AcmeProblemException.Malformed($"jwk has no '{name}' string");

    private static AcmeProblemException BadKey(string detail) => new("badPublicKey", detail, 400);

    public void Dispose() => Key.Dispose();
}
