using System.Security.Cryptography.X509Certificates;
using Rotor.Cli;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Acme;

/// <summary>Real DNS-01 through BIND (RFC 2136 + TSIG) with Pebble validating: several SANs, a wildcard, records cleaned.</summary>
[Collection(AcmeLabCollection.Name)]
public class AcmeDns01Tests(AcmeLab lab)
{
    private string Manifest(string secretFile, string names, int? nameserverPort = null) => AcmeManifests.All(
    [
        AcmeManifests.Issuer("pebble", lab.Directory, lab.TlsCa, "issuer-root.pem", $$"""
            - dns01:
                rfc2136:
                  nameserver: 127.0.0.1:{{nameserverPort ?? AcmeLab.DnsPort}}
                  tsigKeyName: {{lab.Bind["ACME_LAB_TSIG_KEY_NAME"]}}
                  tsigAlgorithm: {{lab.Bind["ACME_LAB_TSIG_ALGORITHM"]}}
                  tsigSecretSecretRef: {file: {{secretFile}}}
                resolvers: [127.0.0.1:{{AcmeLab.DnsPort}}]
                authoritativePort: {{AcmeLab.DnsPort}}
                propagationTimeout: 20s
            """),
        AcmeManifests.Target,
        AcmeManifests.Certificate("edge", names),
    ]);

    [Fact]
    public async Task Real_dns01_issues_several_sans_and_a_wildcard_and_removes_its_records()
    {
        lab.StartPebble("real");
        if (!lab.Require()) return;
        using var dir = new TempDir();
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"));
        File.WriteAllText(dir.Combine("tsig.secret"), lab.Bind["ACME_LAB_TSIG_SECRET"]);
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest("tsig.secret", "[edge.example.test, trunk.example.test, '*.pbx.example.test']"));
        var output = new StringWriter();
        var code = await RotorCli.InvokeAsync(["reconcile", "-f", dir.Combine("rotor.yaml"), "--data", dir.Combine("data")], output, output);
        Assert.True(code == 0, output.ToString());
        using var leaf = X509CertificateLoader.LoadCertificateFromFile(dir.Combine("out", "cert.pem"));
        var sans = global::Rotor.Core.Validation.CertificateNames.Read(leaf);
        Assert.Contains("DNS:edge.example.test", sans);
        Assert.Contains("DNS:*.pbx.example.test", sans);
        var (verify, text) = await OpenSsl.RunAsync("verify", "-CAfile", dir.Combine("issuer-root.pem"), "-untrusted", dir.Combine("out", "chain.pem"), dir.Combine("out", "cert.pem"));
        Assert.True(verify == 0, text);
        foreach (var name in new[] { "_acme-challenge.edge.example.test", "_acme-challenge.trunk.example.test", "_acme-challenge.pbx.example.test" })
        {
            Assert.Empty(await AcmeLab.TxtRecordsAsync(name));
        }
        Assert.Contains("authoritative", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong-tsig", "bad.example.test", "TSIG verification failed")]
    [InlineData("unreachable-server", "down.example.test", "did not answer")]
    [InlineData("unknown-zone", "bad.nope.test", "nope.test")]
    public async Task A_dns_failure_is_named_in_the_event_and_nothing_is_left_in_the_zone(string failure, string name, string cause)
    {
        lab.StartPebble("real");
        if (!lab.Require()) return;
        using var dir = new TempDir();
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"));
        var secret = failure == "wrong-tsig" ? Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) : lab.Bind["ACME_LAB_TSIG_SECRET"];
        File.WriteAllText(dir.Combine("tsig.secret"), secret);
        // A closed port on loopback: nothing listens there.
        int? port = failure == "unreachable-server" ? 9 : null;
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest("tsig.secret", $"[{name}]", port));
        var output = new StringWriter();
        var started = Environment.TickCount64;
        var code = await RotorCli.InvokeAsync(["reconcile", "-f", dir.Combine("rotor.yaml"), "--data", dir.Combine("data")], output, output);
        Assert.True(Environment.TickCount64 - started < 60_000, "a DNS failure must not hang");
        Assert.Equal(ExitCodes.Failed, code);
        var events = new StringWriter();
        await RotorCli.InvokeAsync(["events", "-o", "json", "--data", dir.Combine("data")], events, events);
        Assert.Contains(cause, events.ToString(), StringComparison.Ordinal);
        // The first step of the backoff table, 30 s with ±20 % jitter.
        Assert.Matches(@"attempt 1; next attempt in (2[4-9]|3[0-6])s", events.ToString());
        Assert.DoesNotContain(secret, events + output.ToString(), StringComparison.Ordinal);
        if (name.EndsWith(".example.test", StringComparison.Ordinal))
        {
            Assert.Empty(await AcmeLab.TxtRecordsAsync("_acme-challenge." + name));
        }
        Assert.False(File.Exists(dir.Combine("out", "cert.pem")));
    }
}
