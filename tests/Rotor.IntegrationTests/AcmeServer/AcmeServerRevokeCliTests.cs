using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.AcmeServer;

/// <summary>
/// <c>rotor acme-server revoke SERIAL</c>: an operator revokes a certificate a device got from
/// Rotor's ACME server without the device's account; the inventory and the events record it, and
/// the device's own revokeCert then finds it revoked already.
/// </summary>
public class AcmeServerRevokeCliTests
{
    [Fact]
    public async Task An_operator_revokes_a_device_certificate_by_serial_from_the_cli()
    {
        if (!EnvScript.Require(AcmeServerRig.ClientsAvailable(out var problem), problem, "certbot/lego")) return;
        await using var rig = await AcmeServerRig.StartAsync();
        var (kid, hmac) = await rig.CreateEabKeyAsync("lego");
        var name = "sbc1" + AcmeServerRig.Suffix;
        string[] common = ["--server", rig.Directory, "--accept-tos", "--email", "ops@example.test", "--eab", "--kid", kid, "--hmac", hmac,
            "--http", "--http.port", $"127.0.0.1:{rig.Http01Port}", "--domains", name];
        var (code, output) = await rig.LegoAsync("lego", [.. common, "run"]);
        Assert.True(code == 0, $"lego failed: {output}\nrotor: {rig.RotorLog}");
        var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(rig.Folder, "lego", "certificates", name + ".crt"));
        var serial = certificate.SerialNumber.ToLowerInvariant();

        var bad = await rig.RotorAsync("acme-server", "revoke", serial, "--reason", "7");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--reason: '7' is not an RFC 5280 CRLReason", bad.Err, StringComparison.Ordinal);
        var unknown = await rig.RotorAsync("acme-server", "revoke", "0badc0de");
        Assert.Equal(3, unknown.Code);
        Assert.False(Assert.Single(await rig.InventoryAsync()).TryGetProperty("revokedAt", out _), "a refused revoke changes nothing");

        // Colons as openssl prints a serial are fine.
        var colons = string.Join(':', Enumerable.Range(0, serial.Length / 2).Select(i => serial.Substring(i * 2, 2)));
        var revoke = await rig.RotorAsync("acme-server", "revoke", colons, "--reason", "superseded");
        Assert.True(revoke.Code == 0, revoke.Out + revoke.Err);
        var row = Assert.Single(await rig.InventoryAsync());
        Assert.Equal(JsonValueKind.String, row.GetProperty("revokedAt").ValueKind);
        var events = await rig.RotorAsync("events", "-o", "json");
        Assert.Contains($"revoked serial {serial} ({name}), reason 4, by rotor acme-server revoke", events.Out, StringComparison.Ordinal);

        var again = await rig.RotorAsync("acme-server", "revoke", serial);
        Assert.Equal(2, again.Code);
        Assert.Contains("revoked already", again.Err, StringComparison.Ordinal);
        (code, output) = await rig.LegoAsync("lego", [.. common, "revoke", "--keep"]);
        Assert.NotEqual(0, code);
        Assert.Contains("urn:ietf:params:acme:error:alreadyRevoked", output, StringComparison.Ordinal);
    }
}
