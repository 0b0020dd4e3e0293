using Rotor.Core.Resources;

namespace Rotor.Tests.Resources;

public class CmpManifestTests
{
    [Fact]
    public void A_cmp_issuer_reads_every_field()
    {
        var result = ManifestParser.Parse("""
            apiVersion: rotor/v1
            kind: Issuer
            metadata: {name: pki}
            spec:
              cmp:
                servers: [http://ca1.example.test/pkix/, https://ca2.example.test/pkix/]
                sharedSecret: {reference: "3078", secretRef: {env: CMP_IAK}}
                subject: {organization: Example, organizationalUnit: Voice, country: DE, province: Berlin, locality: Berlin}
                recipient: CN=Issuing CA, O=Example
                serverTrust: ra.pem
                trustedRoots: root.pem
                caBundle: tls.pem
                tlsClientCertificate: {certificate: client.crt, privateKey: client.key}
                kurWindow: {start: "22:30", end: "01:00", timeZone: Europe/Berlin}
                polling: {maxPolls: 5, messageTimeout: 20s, totalTimeout: 30m}
                implicitConfirm: true
                batchSize: 50
            """, "m.yaml");
        Assert.Empty(result.Errors);
        var cmp = result.Resources[0].AsIssuer().Cmp!;
        Assert.Equal(IssuerKind.Cmp, result.Resources[0].AsIssuer().Kind);
        Assert.Equal(["http://ca1.example.test/pkix/", "https://ca2.example.test/pkix/"], cmp.Servers);
        Assert.Equal(CmpProtectionMode.SharedSecret, cmp.Protection);
        Assert.Equal(("3078", "CMP_IAK"), (cmp.SharedSecret!.Reference, cmp.SharedSecret.SecretRef.Env));
        Assert.Equal(("Example", "Voice", "DE"), (cmp.Subject.Organization, cmp.Subject.OrganizationalUnit, cmp.Subject.Country));
        Assert.Equal("CN=Issuing CA, O=Example", cmp.Recipient);
        Assert.Equal(("ra.pem", "root.pem", "tls.pem"), (cmp.ServerTrust, cmp.TrustedRoots, cmp.CaBundle));
        Assert.Equal(new KeyUpdateWindowSpec(new TimeOnly(22, 30), new TimeOnly(1, 0), "Europe/Berlin"), cmp.KurWindow);
        Assert.Equal(new CmpPollingSpec { MaxPolls = 5, MessageTimeout = TimeSpan.FromSeconds(20), TotalTimeout = TimeSpan.FromMinutes(30) }, cmp.Polling);
        Assert.Equal(new CmpSignerSpec("client.crt", "client.key"), cmp.TlsClientCertificate);
        Assert.True(cmp.ImplicitConfirm);
        Assert.Equal(50, cmp.BatchSize);
    }

    [Fact]
    public void Signature_protection_names_its_signer_and_the_defaults_are_safe()
    {
        var result = ManifestParser.Parse("""
            apiVersion: rotor/v1
            kind: Issuer
            metadata: {name: pki}
            spec:
              cmp:
                servers: [http://127.0.0.1:8080/pkix/]
                protection: signature
                signer: {certificate: vendor.crt, privateKey: vendor.key}
            """, "m.yaml");
        Assert.Empty(result.Errors);
        var cmp = result.Resources[0].AsIssuer().Cmp!;
        Assert.Equal(CmpProtectionMode.Signature, cmp.Protection);
        Assert.Equal(new CmpSignerSpec("vendor.crt", "vendor.key"), cmp.Signer);
        Assert.Null(cmp.KurWindow);
        Assert.False(cmp.ImplicitConfirm);
        Assert.Equal(10, cmp.Polling.MaxPolls);
        Assert.True(cmp.Polling.MessageTimeout <= cmp.Polling.TotalTimeout);
    }

    [Fact]
    public void Every_broken_rule_is_reported_at_once_with_its_field_and_line()
    {
        var result = ManifestParser.Parse("""
            apiVersion: rotor/v1
            kind: Issuer
            metadata: {name: pki}
            spec:
              cmp:
                servers: [a, b, c, d, e, f, g, h, i, j, ftp://ca.example.test/]
                sharedSecret: {reference: "3078", secret: hunter2}
                subject: {country: Germany}
                recipient: not a name
                kurWindow: {start: "2am", end: "04:00", timeZone: Mars/Olympus}
                polling: {messageTimeout: 10m, totalTimeout: 1m, maxPolls: -1}
                batchSize: 0
                retries: 3
            """, "m.yaml");
        var errors = result.Errors.Select(e => (e.Field, e.Rule)).ToList();
        Assert.Contains(("spec.cmp.servers", "cmp-server-count"), errors);
        Assert.Contains(("spec.cmp.servers[10]", "cmp-server-url"), errors);
        Assert.Contains(("spec.cmp.sharedSecret.secret", "secret-by-reference"), errors);
        Assert.Contains(("spec.cmp.sharedSecret.secretRef", "required"), errors);
        Assert.Contains(("spec.cmp.subject.country", "country-code"), errors);
        Assert.Contains(("spec.cmp.recipient", "distinguished-name"), errors);
        Assert.Contains(("spec.cmp.kurWindow.start", "clock-time"), errors);
        Assert.Contains(("spec.cmp.kurWindow.timeZone", "time-zone"), errors);
        Assert.Contains(("spec.cmp.polling.messageTimeout", "cmp-timeouts"), errors);
        Assert.Contains(("spec.cmp.polling.maxPolls", "range"), errors);
        Assert.Contains(("spec.cmp.batchSize", "range"), errors);
        Assert.Contains(("spec.cmp.retries", "unknown-field"), errors);
        Assert.All(result.Errors, e => Assert.True(e.Line > 0));
        Assert.DoesNotContain(result.Errors, e => e.Message.Contains("hunter2", StringComparison.Ordinal));
        Assert.Empty(result.Resources);
    }

    [Fact]
    public void A_shared_secret_issuer_without_one_and_a_window_of_no_length_are_refused()
    {
        var result = ManifestParser.Parse("""
            apiVersion: rotor/v1
            kind: Issuer
            metadata: {name: pki}
            spec:
              cmp:
                servers: [http://127.0.0.1:8080/pkix/]
                kurWindow: {start: "02:00", end: "02:00"}
            """, "m.yaml");
        var errors = result.Errors.Select(e => (e.Field, e.Rule)).ToList();
        Assert.Contains(("spec.cmp.sharedSecret", "required"), errors);
        Assert.Contains(("spec.cmp.kurWindow.end", "kur-window-empty"), errors);
    }
}
