using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rotor.Acme.Jws;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.AcmeServer;

/// <summary>
/// Rotor's ACME server against the ACME clients devices carry: certbot and lego open accounts with
/// External Account Binding, prove names over real http-01 (their own standalone servers on
/// 127.0.0.1), and get certificates from the local CA behind it, recorded in Rotor's inventory;
/// an account without EAB and a name outside the policy are refused with the problem that says why;
/// certbot and lego revoke; a restart of `rotor run` keeps the accounts.
/// </summary>
public class AcmeServerClientTests
{
    private static bool ClientsReady() => EnvScript.Require(AcmeServerRig.ClientsAvailable(out var problem), problem, "certbot/lego");

    [Fact]
    public async Task Certbot_gets_a_certificate_over_http01_with_eab_renews_after_a_restart_and_revokes_it()
    {
        if (!ClientsReady()) return;
        await using var rig = await AcmeServerRig.StartAsync();
        var (kid, hmac) = await rig.CreateEabKeyAsync("certbot");
        var name = "sbc1" + AcmeServerRig.Suffix;
        string[] common = ["--server", rig.Directory, "--standalone", "--preferred-challenges", "http",
            "--http-01-port", rig.Http01Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--http-01-address", "127.0.0.1"];

        var (code, output) = await rig.CertbotAsync("certbot", ["certonly", .. common, "--agree-tos", "--register-unsafely-without-email",
            "--eab-kid", kid, "--eab-hmac-key", hmac, "-d", name]);
        Assert.True(code == 0, $"certbot failed: {output}\nrotor: {rig.RotorLog}");
        var live = Path.Combine(rig.Folder, "certbot", "config", "live", name);
        var first = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(live, "cert.pem"));
        var root = X509CertificateLoader.LoadCertificateFromFile(rig.RootPem);
        Assert.Equal(root.SubjectName.Name, first.IssuerName.Name);
        Assert.Contains(name, first.GetNameInfo(X509NameType.DnsName, forIssuer: false), StringComparison.Ordinal);
        Assert.True(first.NotAfter - first.NotBefore <= TimeSpan.FromDays(30) + TimeSpan.FromHours(2), "policy.maxDuration caps the lifetime");

        var inventory = await rig.InventoryAsync();
        var row = Assert.Single(inventory);
        Assert.Equal(first.SerialNumber.ToLowerInvariant(), row.GetProperty("serial").GetString());
        Assert.Equal("acme-server", row.GetProperty("source").GetString());
        Assert.Equal("127.0.0.1", row.GetProperty("clientAddress").GetString());
        Assert.False(string.IsNullOrEmpty(row.GetProperty("account").GetString()));

        // A restart keeps the account: certbot renews with the account it registered before.
        rig.StopRotor();
        await rig.StartRotorAsync();
        (code, output) = await rig.CertbotAsync("certbot", ["renew", "--force-renewal", "--no-random-sleep-on-renew", .. common]);
        Assert.True(code == 0, $"certbot renew failed: {output}\nrotor: {rig.RotorLog}");
        var renewed = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(live, "cert.pem"));
        Assert.NotEqual(first.SerialNumber, renewed.SerialNumber);
        inventory = await rig.InventoryAsync();
        Assert.Equal(2, inventory.Length);
        Assert.Single(inventory.Select(r => r.GetProperty("account").GetString()).Distinct());

        (code, output) = await rig.CertbotAsync("certbot", ["revoke", "--server", rig.Directory, "--cert-path", Path.Combine(live, "cert.pem"),
            "--reason", "keycompromise", "--no-delete-after-revoke"]);
        Assert.True(code == 0, $"certbot revoke failed: {output}\nrotor: {rig.RotorLog}");
        inventory = await rig.InventoryAsync();
        var revoked = Assert.Single(inventory, r => r.GetProperty("serial").GetString() == renewed.SerialNumber.ToLowerInvariant());
        Assert.Equal(JsonValueKind.String, revoked.GetProperty("revokedAt").ValueKind);
        Assert.False(Assert.Single(inventory, r => r.GetProperty("serial").GetString() == first.SerialNumber.ToLowerInvariant()).TryGetProperty("revokedAt", out _));

        // Revoking it again is refused by the server (alreadyRevoked; certbot 2.1 reports that problem
        // with an AttributeError of its own), and the recorded revocation stays as it was.
        (code, output) = await rig.CertbotAsync("certbot", ["revoke", "--server", rig.Directory, "--cert-path", Path.Combine(live, "cert.pem"), "--no-delete-after-revoke"]);
        Assert.True(code != 0, output);
        var again = Assert.Single(await rig.InventoryAsync(), r => r.GetProperty("serial").GetString() == renewed.SerialNumber.ToLowerInvariant());
        Assert.Equal(revoked.GetProperty("revokedAt").GetString(), again.GetProperty("revokedAt").GetString());
    }

    [Fact]
    public async Task Lego_gets_a_certificate_a_name_outside_the_policy_is_refused_naming_the_rule_and_lego_revokes_it()
    {
        if (!ClientsReady()) return;
        await using var rig = await AcmeServerRig.StartAsync();
        var (kid, hmac) = await rig.CreateEabKeyAsync("lego");
        var name = "sbc2" + AcmeServerRig.Suffix;
        string[] common = ["--server", rig.Directory, "--accept-tos", "--email", "ops@example.test", "--eab", "--kid", kid, "--hmac", hmac,
            "--http", "--http.port", $"127.0.0.1:{rig.Http01Port}"];

        var (code, output) = await rig.LegoAsync("lego", [.. common, "--domains", name, "run"]);
        Assert.True(code == 0, $"lego failed: {output}\nrotor: {rig.RotorLog}");
        var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(rig.Folder, "lego", "certificates", name + ".crt"));
        Assert.Contains(name, certificate.GetNameInfo(X509NameType.DnsName, forIssuer: false), StringComparison.Ordinal);
        Assert.Single(await rig.InventoryAsync());

        (code, output) = await rig.LegoAsync("lego", [.. common, "--domains", "sbc.evil.example", "run"]);
        Assert.NotEqual(0, code);
        Assert.Contains("urn:ietf:params:acme:error:rejectedIdentifier", output, StringComparison.Ordinal);
        Assert.Contains("'sbc.evil.example' matches no entry of policy.dnsNames (.sip.example.test)", output, StringComparison.Ordinal);
        Assert.Single(await rig.InventoryAsync());

        // lego revokes it with its account key (reason keyCompromise); the inventory records the
        // revocation, and a second revocation is refused as alreadyRevoked.
        (code, output) = await rig.LegoAsync("lego", [.. common, "--domains", name, "revoke", "--keep", "--reason", "1"]);
        Assert.True(code == 0, $"lego revoke failed: {output}\nrotor: {rig.RotorLog}");
        var revoked = Assert.Single(await rig.InventoryAsync());
        Assert.Equal(certificate.SerialNumber.ToLowerInvariant(), revoked.GetProperty("serial").GetString());
        Assert.Equal(JsonValueKind.String, revoked.GetProperty("revokedAt").ValueKind);
        (code, output) = await rig.LegoAsync("lego", [.. common, "--domains", name, "revoke", "--keep"]);
        Assert.NotEqual(0, code);
        Assert.Contains("urn:ietf:params:acme:error:alreadyRevoked", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_account_without_eab_or_with_a_wrong_mac_is_refused_by_the_server()
    {
        if (!ClientsReady()) return;
        await using var rig = await AcmeServerRig.StartAsync();
        var (kid, hmac) = await rig.CreateEabKeyAsync("device");
        using var http = rig.TrustingClient();
        using var key = AccountKey.CreateEcdsaP256();
        var newAccount = $"https://127.0.0.1:{rig.AcmePort}/acme/new-account";

        var (status, body) = await PostAsync(http, rig, key, newAccount, new JsonObject { ["termsOfServiceAgreed"] = true });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("urn:ietf:params:acme:error:externalAccountRequired", body["type"]!.GetValue<string>());

        var wrongMac = Base64Url.Encode(new byte[32]);
        (status, body) = await PostAsync(http, rig, key, newAccount, new JsonObject
        {
            ["termsOfServiceAgreed"] = true,
            ["externalAccountBinding"] = JwsWriter.ExternalAccountBinding(key, kid, Base64Url.Decode(wrongMac), newAccount),
        });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("urn:ietf:params:acme:error:unauthorized", body["type"]!.GetValue<string>());

        (status, body) = await PostAsync(http, rig, key, newAccount, new JsonObject
        {
            ["termsOfServiceAgreed"] = true,
            ["externalAccountBinding"] = JwsWriter.ExternalAccountBinding(key, kid, Base64Url.Decode(hmac), newAccount),
        });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("valid", body["status"]!.GetValue<string>());

        // The key is bound now: another account key cannot use it again.
        using var other = AccountKey.CreateEcdsaP256();
        (status, body) = await PostAsync(http, rig, other, newAccount, new JsonObject
        {
            ["termsOfServiceAgreed"] = true,
            ["externalAccountBinding"] = JwsWriter.ExternalAccountBinding(other, kid, Base64Url.Decode(hmac), newAccount),
        });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("already bound", body["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // certbot without EAB gets no account either.
        var (code, output) = await rig.CertbotAsync("noeab", ["register", "--server", rig.Directory, "--agree-tos", "--register-unsafely-without-email"]);
        Assert.NotEqual(0, code);
        Assert.Contains("xternal account", output, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>One signed POST with a fresh nonce; the answer's status and JSON body.</summary>
    private static async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(HttpClient http, AcmeServerRig rig, AccountKey key, string url, JsonObject payload)
    {
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"https://127.0.0.1:{rig.AcmePort}/acme/new-nonce"));
        var nonce = head.Headers.GetValues("Replay-Nonce").Single();
        var jws = JwsWriter.Sign(key, url, nonce, kid: null, payload);
        using var content = new StringContent(jws.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/jose+json");
        using var answer = await http.PostAsync(url, content);
        var text = await answer.Content.ReadAsStringAsync();
        return (answer.StatusCode, (JsonNode.Parse(text) as JsonObject) ?? throw new InvalidOperationException(text));
    }
}
