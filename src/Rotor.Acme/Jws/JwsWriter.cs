using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Rotor.Acme.Jws;

/// <summary>
/// Flattened JSON JWS as ACME sends it (RFC 8555 6.2): protected header with alg, nonce, url
/// and either jwk (new account, revocation by certificate key) or kid (everything else).
/// An empty payload string is POST-as-GET (RFC 8555 6.3).
/// </summary>
public static class JwsWriter
{
    public static JsonObject Sign(AccountKey key, string url, string? nonce, string? kid, JsonNode? payload, bool postAsGet = false)
    {
        var header = new JsonObject { ["alg"] = key.Algorithm };
        if (nonce is not null) header["nonce"] = nonce;
        header["url"] = url;
        if (kid is not null)
        {
            header["kid"] = kid;
        }
        else
        {
            header["jwk"] = key.Jwk();
        }
        return Seal(header, postAsGet ? "" : Base64Url.Encode(Encoding.UTF8.GetBytes((payload ?? new JsonObject()).ToJsonString())), key.Sign);
    }

    /// <summary>
    /// External Account Binding (RFC 8555 7.3.4): the account's JWK signed with the CA-given
    /// MAC key (HS256/384/512), no nonce, url = newAccount.
    /// </summary>
    public static JsonObject ExternalAccountBinding(AccountKey accountKey, string keyId, byte[] macKey, string newAccountUrl, string algorithm = "HS256")
    {
        var header = new JsonObject { ["alg"] = algorithm, ["kid"] = keyId, ["url"] = newAccountUrl };
        var payload = Base64Url.Encode(Encoding.UTF8.GetBytes(accountKey.Jwk().ToJsonString()));
        return Seal(header, payload, input => algorithm switch
        {
            "HS256" => HMACSHA256.HashData(macKey, input),
            "HS384" => HMACSHA384.HashData(macKey, input),
            "HS512" => HMACSHA512.HashData(macKey, input),
            _ => throw new ArgumentException($"EAB algorithm must be HS256, HS384 or HS512, not {algorithm}", nameof(algorithm)),
        });
    }

    private static JsonObject Seal(JsonObject header, string encodedPayload, Func<byte[], byte[]> sign)
    {
        var encodedHeader = Base64Url.Encode(Encoding.UTF8.GetBytes(header.ToJsonString()));
        var signature = sign(Encoding.ASCII.GetBytes(encodedHeader + "." + encodedPayload));
        return new JsonObject
        {
            ["protected"] = encodedHeader,
            ["payload"] = encodedPayload,
            ["signature"] = Base64Url.Encode(signature),
        };
    }
}
