using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rotor.Acme.Jws;

namespace Rotor.AcmeServer;

/// <summary>
/// A flattened JSON JWS as ACME clients send it (RFC 8555 6.2, RFC 7515 7.2.2), read and checked:
/// the protected header's alg, nonce, url and exactly one of jwk or kid. The signature is checked
/// with <see cref="Verify"/> once the caller knows the key (the jwk, or the kid's account key).
/// </summary>
internal sealed class AcmeJws : IDisposable
{
    /// <summary>Most bytes of a request body; a CSR of an RSA-8192 key with many names fits with room.</summary>
    public const int MaxBytes = 64 * 1024;

    private readonly byte[] _signingInput;
    private readonly byte[] _signature;

    private AcmeJws(string alg, string? nonce, string url, AcmeJwk? jwk, string? kid, byte[] payload, bool postAsGet, byte[] signingInput, byte[] signature)
    {
        Alg = alg;
        Nonce = nonce;
        Url = url;
        Jwk = jwk;
        Kid = kid;
        Payload = payload;
        IsPostAsGet = postAsGet;
        _signingInput = signingInput;
        _signature = signature;
    }

    public string Alg { get; }
    public string? Nonce { get; }
    public string Url { get; }
    public AcmeJwk? Jwk { get; }
    public string? Kid { get; }
    public byte[] Payload { get; }

    /// <summary>An empty payload string: a POST-as-GET (RFC 8555 6.3).</summary>
    public bool IsPostAsGet { get; }

    /// <summary>Reads a JWS from <paramref name="body"/>; anything that is not one is a malformed problem.</summary>
    public static AcmeJws Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            throw AcmeProblemException.Malformed("the request body is not JSON (a flattened JWS was expected)");
        }
        using (doc)
        {
            return Parse(doc.RootElement, requireNonce: true);
        }
    }

    /// <summary>Reads a JWS object (also the inner JWS of keyChange and of External Account Binding).</summary>
    public static AcmeJws Parse(JsonElement jws, bool requireNonce)
    {
        if (jws.ValueKind != JsonValueKind.Object) throw AcmeProblemException.Malformed("a flattened JWS object was expected");
        var protectedText = StringMember(jws, "protected");
        var payloadText = StringMember(jws, "payload");
        var signatureText = StringMember(jws, "signature");
        byte[] headerBytes, payload, signature;
        try
        {
            headerBytes = Base64Url.Decode(protectedText);
            payload = Base64Url.Decode(payloadText);
            signature = Base64Url.Decode(signatureText);
        }
        catch (FormatException)
        {
            throw AcmeProblemException.Malformed("protected, payload and signature must be base64url");
        }
        JsonDocument header;
        try
        {
            header = JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            throw AcmeProblemException.Malformed("the protected header is not JSON");
        }
        using (header)
        {
            var h = header.RootElement;
            if (h.ValueKind != JsonValueKind.Object) throw AcmeProblemException.Malformed("the protected header must be a JSON object");
            var alg = StringMember(h, "alg");
            if (alg is "none" || alg.StartsWith("HS", StringComparison.Ordinal) && requireNonce)
            {
                throw AcmeProblemException.BadSignatureAlgorithm($"alg '{alg}' is not accepted (ES256, ES384 or RS256)");
            }
            var nonce = h.TryGetProperty("nonce", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (requireNonce && string.IsNullOrEmpty(nonce)) throw AcmeProblemException.BadNonce("the protected header carries no nonce");
            var url = StringMember(h, "url");
            var hasJwk = h.TryGetProperty("jwk", out var jwkElement);
            var kid = h.TryGetProperty("kid", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            if (hasJwk == (kid is not null) && requireNonce)
            {
                throw AcmeProblemException.Malformed("the protected header must carry exactly one of jwk and kid");
            }
            var jwk = hasJwk ? AcmeJwk.Parse(jwkElement) : null;
            var signingInput = Encoding.ASCII.GetBytes(protectedText + "." + payloadText);
            return new AcmeJws(alg, nonce, url, jwk, kid, payload, payloadText.Length == 0, signingInput, signature);
        }
    }

    /// <summary>Checks the signature with <paramref name="key"/>; a bad one is a malformed problem (RFC 8555 6.2).</summary>
    public void Verify(AcmeJwk key)
    {
        key.CheckAlgorithm(Alg);
        bool ok;
        try
        {
            ok = key.Verify(_signingInput, _signature);
        }
        catch (CryptographicException)
        {
            ok = false;
        }
        if (!ok) throw AcmeProblemException.Malformed("the JWS signature does not verify with the account's key");
    }

    /// <summary>Checks an HMAC signature (External Account Binding, RFC 8555 7.3.4) in constant time.</summary>
    public bool VerifyMac(byte[] macKey)
    {
        byte[] expected = Alg switch
        {
            "HS256" => HMACSHA256.HashData(macKey, _signingInput),
            "HS384" => HMACSHA384.HashData(macKey, _signingInput),
            "HS512" => HMACSHA512.HashData(macKey, _signingInput),
            _ => throw AcmeProblemException.Malformed($"externalAccountBinding alg '{Alg}' is not HS256, HS384 or HS512"),
        };
        return CryptographicOperations.FixedTimeEquals(expected, _signature);
    }

    /// <summary>The payload as JSON (an object); a POST-as-GET or a payload that is not an object is a malformed problem.</summary>
    public JsonDocument PayloadJson()
    {
        try
        {
            var doc = JsonDocument.Parse(Payload, new JsonDocumentOptions { MaxDepth = 16 });
            if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc;
            doc.Dispose();
        }
        catch (JsonException)
        {
        }
        throw AcmeProblemException.Malformed("the JWS payload must be a JSON object");
    }

    private static string StringMember(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw AcmeProblemException.Malformed($"'{name}' is missing or not a string");

    public void Dispose() => Jwk?.Dispose();
}
