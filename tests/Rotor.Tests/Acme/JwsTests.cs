using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Rotor.Acme.Ari;
using Rotor.Acme.Jws;

namespace Rotor.Tests.Acme;

public class JwsTests
{
    [Fact]
    public void Rfc7638_thumbprint_example()
    {
        // RFC 7638 section 3.1: the RSA key and its thumbprint.
        const string n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        using var rsa = RSA.Create(new RSAParameters { Modulus = Base64Url.Decode(n), Exponent = Base64Url.Decode("AQAB") });
        using var key = new AccountKey(rsa);
        Assert.Equal("RS256", key.Algorithm);
        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", key.Thumbprint());
    }

    [Theory]
    [InlineData(256, "ES256")]
    [InlineData(384, "ES384")]
    public void Ecdsa_signatures_verify_in_jws_form(int size, string alg)
    {
        using var ec = ECDsa.Create(size == 256 ? ECCurve.NamedCurves.nistP256 : ECCurve.NamedCurves.nistP384);
        using var key = new AccountKey(ec);
        Assert.Equal(alg, key.Algorithm);
        var jws = JwsWriter.Sign(key, "https://ca.example/new-order", "nonce-1", "https://ca.example/acct/1", new JsonObject { ["a"] = 1 });
        var header = JsonNode.Parse(Base64Url.Decode(jws["protected"]!.GetValue<string>()))!;
        Assert.Equal(alg, header["alg"]!.GetValue<string>());
        Assert.Equal("nonce-1", header["nonce"]!.GetValue<string>());
        Assert.Equal("https://ca.example/acct/1", header["kid"]!.GetValue<string>());
        Assert.Null(header["jwk"]);
        var input = Encoding.ASCII.GetBytes(jws["protected"]!.GetValue<string>() + "." + jws["payload"]!.GetValue<string>());
        Assert.True(ec.VerifyData(input, Base64Url.Decode(jws["signature"]!.GetValue<string>()),
            size == 256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void Post_as_get_has_an_empty_payload_and_new_account_uses_the_jwk()
    {
        using var key = AccountKey.CreateEcdsaP256();
        var get = JwsWriter.Sign(key, "https://ca.example/order/1", "n", "https://ca.example/acct/1", null, postAsGet: true);
        Assert.Equal("", get["payload"]!.GetValue<string>());
        var create = JwsWriter.Sign(key, "https://ca.example/new-acct", "n", kid: null, new JsonObject());
        var header = JsonNode.Parse(Base64Url.Decode(create["protected"]!.GetValue<string>()))!;
        Assert.Equal("EC", header["jwk"]!["kty"]!.GetValue<string>());
        Assert.Null(header["kid"]);
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("HS384")]
    [InlineData("HS512")]
    public void External_account_binding_is_a_mac_over_the_account_jwk(string alg)
    {
        using var key = AccountKey.CreateEcdsaP256();
        var mac = RandomNumberGenerator.GetBytes(32);
        var eab = JwsWriter.ExternalAccountBinding(key, "kid-1", mac, "https://ca.example/new-acct", alg);
        var header = JsonNode.Parse(Base64Url.Decode(eab["protected"]!.GetValue<string>()))!;
        Assert.Equal(alg, header["alg"]!.GetValue<string>());
        Assert.Equal("kid-1", header["kid"]!.GetValue<string>());
        Assert.Null(header["nonce"]);
        Assert.Equal(key.Jwk().ToJsonString(), Encoding.UTF8.GetString(Base64Url.Decode(eab["payload"]!.GetValue<string>())));
        var input = Encoding.ASCII.GetBytes(eab["protected"]!.GetValue<string>() + "." + eab["payload"]!.GetValue<string>());
        var expected = alg switch { "HS256" => HMACSHA256.HashData(mac, input), "HS384" => HMACSHA384.HashData(mac, input), _ => HMACSHA512.HashData(mac, input) };
        Assert.Equal(expected, Base64Url.Decode(eab["signature"]!.GetValue<string>()));
    }

    [Fact]
    public void Ari_cert_id_matches_the_rfc_9773_example()
    {
        // RFC 9773 4.1: keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4, serial 0x87654321.
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=leaf", leafKey, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(Convert.FromHexString("69885B6B87464041E1B37B847BA0AE2CDE01C8D4")));
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var cert = req.Create(new X500DistinguishedName("CN=ca"), X509SignatureGenerator.CreateForECDsa(caKey), now, now.AddDays(1), [0x87, 0x65, 0x43, 0x21]);
        Assert.Equal("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", AriCertId.For(cert));
    }

    [Fact]
    public void Renewal_window_picks_a_point_inside_it()
    {
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var window = new RenewalWindow(start, start.AddDays(2), null, null);
        Assert.Equal(start, window.PickRenewalTime(start.AddDays(-5), 0));
        Assert.Equal(start.AddDays(1), window.PickRenewalTime(start.AddDays(-5), 0.5));
        // Already inside the window: between now and its end.
        Assert.Equal(start.AddDays(1.5), window.PickRenewalTime(start.AddDays(1), 0.5));
    }
}
