using System.Net;
using System.Security.Cryptography.X509Certificates;
using DnsClient;
using Rotor.Cli;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Acme;

/// <summary>Real DNS-01 through BIND (RFC 2136 + TSIG) with Pebble validating: several SANs, a wildcard, records cleaned.</summary>
[Collection(AcmeLabCollection.Name)]
public class AcmeDns01Tests(AcmeLab lab)
{
    private string Manifest(string dir, string secretFile, string names) => $$$"""
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: pebble}
        spec:
          acme:
            server: {{{lab.Directory}}}
            caBundle: {{{lab.TlsCa}}}
            trustedRoots: issuer-root.pem
            solvers:
              - selector: {dnsZones: [example.test]}
                dns01:
                  rfc2136:
                    nameserver: 127.0.0.1:{{{AcmeLab.DnsPort}}}
                    tsigKeyName: {{{lab.Bind["ACME_LAB_TSIG_KEY_NAME"]}}}
                    tsigAlgorithm: {{{lab.Bind["ACME_LAB_TSIG_ALGORITHM"]}}}
                    tsigSecretSecretRef: {file: {{{secretFile}}}}
                  resolvers: [127.0.0.1:{{{AcmeLab.DnsPort}}}]
                  authoritativePort: {{{AcmeLab.DnsPort}}}
                  propagationTimeout: 20s
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: out}
        spec: {file: {path: out}}
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: edge}
        spec:
          dnsNames: {{{names}}}
          usages: [server auth]
          issuerRef: {name: pebble}
          deploy: [{target: out}]
        """;

    private static async Task<IReadOnlyList<string>> TxtRecordsAsync(string name)
    {
        var client = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Loopback, AcmeLab.DnsPort)) { UseCache = false, Recursion = false });
        var answer = await client.QueryAsync(name, QueryType.TXT);
        return answer.Answers.TxtRecords().SelectMany(r => r.Text).ToList();
    }

    [Fact]
    public async Task Real_dns01_issues_several_sans_and_a_wildcard_and_removes_its_records()
    {
        lab.StartPebble("real");
        if (!lab.Require()) return;
        using var dir = new TempDir();
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"));
        File.WriteAllText(dir.Combine("tsig.secret"), lab.Bind["ACME_LAB_TSIG_SECRET"]);
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest(dir.Path, "tsig.secret", "[edge.example.test, trunk.example.test, '*.pbx.example.test']"));
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
            Assert.Empty(await TxtRecordsAsync(name));
        }
        Assert.Contains("authoritative", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_tsig_secret_is_named_in_the_event_and_nothing_is_left_in_the_zone()
    {
        lab.StartPebble("real");
        if (!lab.Require()) return;
        using var dir = new TempDir();
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"));
        File.WriteAllText(dir.Combine("tsig.secret"), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest(dir.Path, "tsig.secret", "[bad.example.test]"));
        var output = new StringWriter();
        var code = await RotorCli.InvokeAsync(["reconcile", "-f", dir.Combine("rotor.yaml"), "--data", dir.Combine("data")], output, output);
        Assert.Equal(ExitCodes.Failed, code);
        var events = new StringWriter();
        await RotorCli.InvokeAsync(["events", "-o", "json", "--data", dir.Combine("data")], events, events);
        Assert.Contains("TSIG", events.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllText(dir.Combine("tsig.secret")), events + output.ToString(), StringComparison.Ordinal);
        Assert.Empty(await TxtRecordsAsync("_acme-challenge.bad.example.test"));
        Assert.False(File.Exists(dir.Combine("out", "cert.pem")));
    }
}
