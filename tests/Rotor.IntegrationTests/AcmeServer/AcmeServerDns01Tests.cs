using System.Security.Cryptography.X509Certificates;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.AcmeServer;

/// <summary>
/// dns-01 against Rotor's ACME server for real: lego writes the TXT records into BIND 9 by RFC 2136
/// dynamic update signed with TSIG (tests/env/acme/start-bind.sh), and the server, whose
/// <c>validation.dnsResolvers</c> is that BIND on 127.0.0.1, reads them back before it issues.
/// A wildcard is offered dns-01 only, so a certificate naming one proves the dns-01 path.
/// </summary>
[Collection(AcmeLabCollection.Name)]
public class AcmeServerDns01Tests(AcmeLab lab)
{
    [Fact]
    public async Task Lego_gets_a_wildcard_certificate_over_dns01_through_bind_with_tsig()
    {
        if (!lab.Require()) return;
        if (!EnvScript.Require(AcmeServerRig.ClientsAvailable(out var problem), problem, "certbot/lego")) return;
        await using var rig = await AcmeServerRig.StartAsync(dnsResolver: lab.Bind["ACME_LAB_DNS_SERVER"]);
        var (kid, hmac) = await rig.CreateEabKeyAsync("lego-dns");
        var name = "sbc3" + AcmeServerRig.Suffix;
        // lego's rfc2136 provider, configured from what start-bind.sh wrote; the SOA walk asks the
        // same BIND, and the propagation check is off because the zone's NS records name port 53.
        var rfc2136 = new Dictionary<string, string>
        {
            ["RFC2136_NAMESERVER"] = lab.Bind["RFC2136_NAMESERVER"],
            ["RFC2136_TSIG_KEY"] = lab.Bind["RFC2136_TSIG_KEY"],
            ["RFC2136_TSIG_SECRET"] = lab.Bind["RFC2136_TSIG_SECRET"],
            ["RFC2136_TSIG_ALGORITHM"] = lab.Bind["RFC2136_TSIG_ALGORITHM"],
            ["RFC2136_POLLING_INTERVAL"] = "1",
        };

        var (code, output) = await rig.LegoAsync("lego-dns", rfc2136,
            "--server", rig.Directory, "--accept-tos", "--email", "ops@example.test", "--eab", "--kid", kid, "--hmac", hmac,
            "--dns", "rfc2136", "--dns.resolvers", lab.Bind["ACME_LAB_DNS_SERVER"], "--dns.disable-cp",
            "--domains", name, "--domains", "*." + name, "run");
        Assert.True(code == 0, $"lego over dns-01 failed: {output}\nrotor: {rig.RotorLog}");

        var file = Path.Combine(rig.Folder, "lego-dns", "certificates", name + ".crt");
        var leaf = X509CertificateLoader.LoadCertificateFromFile(file);
        var names = global::Rotor.Core.Validation.CertificateNames.Read(leaf).ToList();
        Assert.Contains("DNS:" + name, names);
        Assert.Contains("DNS:*." + name, names);
        var (verify, text) = await OpenSsl.RunAsync("verify", "-CAfile", rig.RootPem, "-untrusted", file, file);
        Assert.True(verify == 0, text);
        var row = Assert.Single(await rig.InventoryAsync());
        Assert.Equal(leaf.SerialNumber.ToLowerInvariant(), row.GetProperty("serial").GetString());

        // lego removed its TXT records again; the server read them while they were there.
        Assert.Empty(await AcmeLab.TxtRecordsAsync("_acme-challenge." + name));
    }
}
