using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rotor.Acme.Jws;

/// <summary>
/// An ACME account key and the JWS algorithm it signs with: ES256 (P-256), ES384 (P-384) or
/// RS256 (RSA). Knows its JWK (RFC 7517) and JWK thumbprint (RFC 7638).
/// </summary>
public sealed class AccountKey : IDisposable
{
    private readonly AsymmetricAlgorithm _key;

    public AccountKey(AsymmetricAlgorithm key)
    {
        _key = key;
        Algorithm = key switch
        {
            ECDsa { KeySize: 256 } => "ES256",
            ECDsa { KeySize: 384 } => "ES384",
            RSA { KeySize: >= 2048 } => "RS256",
            _ => throw new ArgumentException("account keys must be ECDSA P-256/P-384 or RSA of at least 2048 bits", nameof(key)),
        };
    }

    public static AccountKey CreateEcdsaP256() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public string Algorithm { get; }

    public AsymmetricAlgorithm Key => _key;

    /// <summary>The public JWK with members in lexicographic order (the RFC 7638 form).</summary>
    public JsonObject Jwk()
    {
        switch (_key)
        {
            case ECDsa ec:
                var p = ec.ExportParameters(false);
                return new JsonObject
                {
                    ["crv"] = ec.KeySize == 256 ? "P-256" : "P-384",
                    ["kty"] = "EC",
                    ["x"] = Base64Url.Encode(p.Q.X),
                    ["y"] = Base64Url.Encode(p.Q.Y),
                };
            case RSA rsa:
                var r = rsa.ExportParameters(false);
                return new JsonObject
                {
                    ["e"] = Base64Url.Encode(r.Exponent),
                    ["kty"] = "RSA",
                    ["n"] = Base64Url.Encode(r.Modulus),
                };
            default:
                throw new InvalidOperationException("unsupported key");
        }
    }

    /// <summary>RFC 7638 thumbprint: SHA-256 over the JWK's required members, no whitespace.</summary>
    public string Thumbprint() =>
        Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(Jwk().ToJsonString(new JsonSerializerOptions { WriteIndented = false }))));

    /// <summary>Signs <c>protected.payload</c> as JWS (RFC 7518 3.3/3.4: ECDSA signatures are R||S, not DER).</summary>
    public byte[] Sign(byte[] signingInput) => _key switch
    {
        ECDsa ec => ec.SignData(signingInput, ec.KeySize == 256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
        RSA rsa => rsa.SignData(signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => throw new InvalidOperationException("unsupported key"),
    };

    public void Dispose() => _key.Dispose();

    /// <summary>Never prints key material.</summary>
    public override string ToString() => $"AccountKey({Algorithm}, {Thumbprint()})";
}
