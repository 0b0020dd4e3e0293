using System.Security.Cryptography.X509Certificates;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.AcmeServer;

/// <summary>
/// One Rotor feeding another: a second data folder whose <c>acme</c> Issuer points at the first
/// Rotor's ACME server (EAB from <c>rotor acme-server eab create</c>, its root as caBundle and
/// trustedRoots), and a Certificate of that issuer reconciled end to end: http-01 answered by the
/// second Rotor's own responder, the chain validated before it is written, the issuance in the
/// first Rotor's inventory.
/// </summary>
public class AcmeServerRotorIssuerTests
{
    [Fact]
    public async Task Rotors_acme_issuer_gets_a_certificate_from_another_rotors_acme_server_with_eab()
    {
        if (!EnvScript.Require(AcmeServerRig.ClientsAvailable(out var problem), problem, "certbot/lego")) return;
        await using var rig = await AcmeServerRig.StartAsync();
        var (kid, hmac) = await rig.CreateEabKeyAsync("edge-rotor");
        var edge = Path.Combine(rig.Folder, "edge");
        Directory.CreateDirectory(edge);
        var eabFile = Path.Combine(edge, "eab.key");
        File.WriteAllText(eabFile, hmac, new System.Text.UTF8Encoding(false));
        File.SetUnixFileMode(eabFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var name = "sbc4" + AcmeServerRig.Suffix;
        File.WriteAllText(Path.Combine(edge, "rotor.yaml"), AcmeManifests.All(
        [
            AcmeManifests.Issuer("upstream", new Uri(rig.Directory), rig.RootPem, rig.RootPem,
                $"- http01: {{listen: 127.0.0.1:{rig.Http01Port}}}",
                $"externalAccountBinding: {{keyID: {kid}, keySecretRef: {{file: {eabFile}}}}}"),
            AcmeManifests.Target,
            AcmeManifests.Certificate("sbc4", $"[{name}]", issuer: "upstream"),
        ]));

        var (code, output, errors) = await RotorProcess.RunAsync(edge, TimeSpan.FromSeconds(120),
            "reconcile", "-f", Path.Combine(edge, "rotor.yaml"), "--data", Path.Combine(edge, "data"));
        Assert.True(code == 0, $"reconcile against Rotor's ACME server failed: {output}{errors}\nserver: {rig.RotorLog}");

        var certPem = Path.Combine(edge, "out", "cert.pem");
        var leaf = X509CertificateLoader.LoadCertificateFromFile(certPem);
        var root = X509CertificateLoader.LoadCertificateFromFile(rig.RootPem);
        Assert.Contains("DNS:" + name, global::Rotor.Core.Validation.CertificateNames.Read(leaf));
        var (verify, text) = await OpenSsl.RunAsync("verify", "-CAfile", rig.RootPem, "-untrusted", Path.Combine(edge, "out", "chain.pem"), certPem);
        Assert.True(verify == 0, text);
        Assert.Equal(root.SubjectName.Name, leaf.IssuerName.Name);

        var row = Assert.Single(await rig.InventoryAsync());
        Assert.Equal(leaf.SerialNumber.ToLowerInvariant(), row.GetProperty("serial").GetString());
        var eab = await rig.RotorAsync("acme-server", "eab", "list", "-o", "json");
        Assert.Contains(row.GetProperty("account").GetString()!, eab.Out, StringComparison.Ordinal);
        var events = await RotorProcess.RunAsync(edge, TimeSpan.FromSeconds(60), "events", "-o", "json", "--data", Path.Combine(edge, "data"));
        Assert.Contains("checked rules passed", events.Out, StringComparison.Ordinal);
    }
}
