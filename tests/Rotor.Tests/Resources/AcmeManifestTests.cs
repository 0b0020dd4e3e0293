using Rotor.Core.Resources;

namespace Rotor.Tests.Resources;

public class AcmeManifestTests
{
    [Fact]
    public void An_acme_issuer_reads_every_field()
    {
        var result = ManifestParser.Parse("""
            apiVersion: rotor/v1
            kind: Issuer
            metadata: {name: public}
            spec:
              acme:
                server: https://127.0.0.1:14000/dir
                email: ops@example.test
                caBundle: pebble-ca.pem
                trustedRoots: issuer-root.pem
                preferredChain: Pebble Root CA
                profile: shortlived
                maxConcurrentOrders: 50
                privateKey: {algorithm: ECDSA, size: 384}
                externalAccountBinding: {keyID: kid-1, keySecretRef: {env: EAB_KEY}, keyAlgorithm: HS512}
                solvers:
                  - selector: {dnsZones: [example.test]}
                    dns01:
                      rfc2136: {nameserver: 127.0.0.1:15353, tsigKeyName: rotor, tsigAlgorithm: HMACSHA256, tsigSecretSecretRef: {file: tsig.secret}}
                      propagationTimeout: 30s
                      checkNameservers: [127.0.0.1:15353]
                  - selector: {dnsNames: [sip.other.test]}
                    dns01: {exec: {command: ./dns-hook.sh}}
                  - http01: {listen: 127.0.0.1:5002}
            """, "m.yaml");
        Assert.Empty(result.Errors);
        var acme = result.Resources[0].AsIssuer().Acme!;
        Assert.Equal("https://127.0.0.1:14000/dir", acme.Server);
        Assert.Equal(50, acme.MaxConcurrentOrders);
        Assert.Equal(384, acme.AccountKey.Size);
        Assert.Equal("HS512", acme.ExternalAccountBinding!.KeyAlgorithm);
        Assert.Equal("EAB_KEY", acme.ExternalAccountBinding.KeySecretRef.Env);
        Assert.Equal(3, acme.Solvers.Count);
        Assert.Equal("tsig.secret", acme.Solvers[0].Dns01!.Rfc2136!.TsigSecretSecretRef.File);
        Assert.Equal(TimeSpan.FromSeconds(30), acme.Solvers[0].Dns01!.PropagationTimeout);
        Assert.Equal(["127.0.0.1:15353"], acme.Solvers[0].Dns01!.CheckNameservers);
        Assert.Equal("./dns-hook.sh", acme.Solvers[1].Dns01!.Exec!.Command);
        Assert.Null(acme.Solvers[2].Selector);
        Assert.Equal("127.0.0.1:5002", acme.Solvers[2].Http01!.Listen);
    }
}
