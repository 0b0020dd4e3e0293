using Rotor.Core.Resources;

namespace Rotor.Tests.Resources;

public class ManifestParserTests
{
    private static ManifestParseResult Parse(string yaml) => ManifestParser.Parse(yaml, "m.yaml");

    private const string Valid = """
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: local}
        spec: {ca: {intermediate: true, backdate: 2h}}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: out}
        spec:
          file:
            path: out
            mode: "0640"
            pkcs12: {file: store.p12, passwordSecretRef: {env: P12_PASSWORD}}
            reload: {signal: {name: HUP, pidFile: /run/kamailio.pid}}
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: sip-edge}
        spec:
          commonName: sip.example.test
          dnsNames: [sip.example.test, "*.edge.example.test"]
          ipAddresses: [192.0.2.10]
          uris: ["sip:edge.example.test"]
          duration: 2160h
          renewBeforePercentage: 33
          privateKey: {algorithm: RSA, size: 3072, rotationPolicy: Never}
          usages: [server auth]
          issuerRef: {name: local}
          deploy:
            - {target: out, path: out/sip-edge, endpoints: [edge-tls]}
          rotation: {overlap: 72h, healthGate: {window: 5m, successRate: 99.5, rollbackBelow: 98}}
        """;

    [Fact]
    public void Reads_every_kind_and_field_of_a_multi_document_file()
    {
        var result = Parse(Valid);
        Assert.Empty(result.Errors);
        Assert.Equal(3, result.Resources.Count);
        var issuer = result.Resources[0].AsIssuer();
        Assert.Equal(IssuerKind.Ca, issuer.Kind);
        Assert.True(issuer.Ca!.Intermediate);
        Assert.Equal(TimeSpan.FromHours(2), issuer.Ca.Backdate);
        var target = result.Resources[1].AsTarget().File!;
        Assert.Equal("out", target.Path);
        Assert.Equal((UnixFileMode)Convert.ToInt32("640", 8), target.Mode);
        Assert.Equal("P12_PASSWORD", target.Pkcs12!.PasswordSecretRef!.Env);
        Assert.Equal("HUP", target.Reload!.Signal);
        var cert = result.Resources[2].AsCertificate();
        Assert.Equal(["sip.example.test", "*.edge.example.test"], cert.DnsNames);
        Assert.Equal(TimeSpan.FromHours(2160), cert.Duration);
        Assert.Equal(33, cert.RenewBeforePercentage);
        Assert.Equal(KeyAlgorithm.Rsa, cert.PrivateKey.Algorithm);
        Assert.Equal(3072, cert.PrivateKey.Size);
        Assert.Equal(RotationPolicy.Never, cert.PrivateKey.RotationPolicy);
        Assert.Equal("local", cert.IssuerRef);
        Assert.Equal("out/sip-edge", cert.Deploy[0].Path);
        Assert.Equal(99.5, cert.Rotation.HealthGate!.SuccessRate);
        Assert.Equal(16, result.Resources[2].Source.Line);
    }

    [Fact]
    public void Defaults_are_safe_when_fields_are_left_out()
    {
        var result = Parse("""
            apiVersion: rotor/v1
            kind: Certificate
            metadata: {name: c}
            spec: {dnsNames: [a.example.test], issuerRef: {name: local}}
            """);
        Assert.Empty(result.Errors);
        var c = result.Resources[0].AsCertificate();
        Assert.Equal(KeyAlgorithm.Ecdsa, c.PrivateKey.Algorithm);
        Assert.Equal(256, c.PrivateKey.Size);
        Assert.Equal(RotationPolicy.Always, c.PrivateKey.RotationPolicy);
        Assert.Equal(TimeSpan.FromDays(90), c.Duration);
        Assert.Equal([Usages.ServerAuth, Usages.ClientAuth], c.Usages);
    }

    [Fact]
    public void Malformed_yaml_reports_the_line()
    {
        var result = Parse("apiVersion: rotor/v1\nkind: Issuer\nmetadata: {name: local\nspec: {ca: {}}\n");
        var error = Assert.Single(result.Errors);
        Assert.Equal("yaml-syntax", error.Rule);
        Assert.True(error.Line >= 3, error.ToString());
        Assert.Empty(result.Resources);
    }

    [Theory]
    [InlineData("  dnsNamez: [a.example.test]", "spec.dnsNamez", "unknown-field", 5)]
    [InlineData("  duration: 90 days", "spec.duration", "duration-format", 5)]
    [InlineData("  duration: 1h\n  renewBefore: 2h", "spec.renewBefore", "renew-before-less-than-duration", 6)]
    [InlineData("  renewBefore: 1h\n  renewBeforePercentage: 30", "spec.renewBeforePercentage", "renew-before-exclusive", 6)]
    [InlineData("  privateKey: {algorithm: RSA, size: 1024}", "spec.privateKey.size", "rsa-min-size", 5)]
    [InlineData("  dnsNames: [bad_name.example.test]", "spec.dnsNames[0]", "dns-name", 5)]
    [InlineData("  usages: [server auth, code signing]", "spec.usages[1]", "known-usage", 5)]
    public void Each_bad_field_is_reported_with_line_field_and_rule(string extraLine, string field, string rule, int line)
    {
        var yaml = "apiVersion: rotor/v1\nkind: Certificate\nmetadata: {name: c}\nspec:\n" + extraLine + "\n  commonName: a.example.test\n  issuerRef: {name: local}\n";
        var result = Parse(yaml);
        var error = Assert.Single(result.Errors, e => e.Rule == rule);
        Assert.Equal(field, error.Field);
        Assert.Equal(line, error.Line);
        Assert.Contains(rule, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("m.yaml:" + line, error.ToString(), StringComparison.Ordinal);
        Assert.Empty(result.Resources);
    }

    [Fact]
    public void A_reload_command_may_take_a_batch_and_a_signal_may_not_say_so()
    {
        const string head = "apiVersion: rotor/v1\nkind: Target\nmetadata: {name: out}\nspec:\n  file:\n";
        var batch = Parse(head + "    reload: {command: 'systemctl reload kamailio', batch: true}\n");
        Assert.Empty(batch.Errors);
        Assert.True(batch.Resources[0].AsTarget().File!.Reload!.Batch);
        Assert.False(Parse(head + "    reload: {command: 'true'}\n").Resources[0].AsTarget().File!.Reload!.Batch);

        var signal = Parse(head + "    reload: {signal: {pidFile: /run/k.pid}, batch: true}\n");
        var error = Assert.Single(signal.Errors);
        Assert.Equal("spec.file.reload.batch", error.Field);
        Assert.Equal("reload-command", error.Rule);
        var notBool = Parse(head + "    reload: {command: 'true', batch: sometimes}\n");
        Assert.Equal("spec.file.reload.batch", Assert.Single(notBool.Errors).Field);
    }

    [Fact]
    public void Every_error_is_reported_at_once_across_documents()
    {
        var result = Parse("""
            apiVersion: rotor/v2
            kind: Issuer
            metadata: {name: local}
            spec: {ca: {colour: blue}}
            ---
            apiVersion: rotor/v1
            kind: Certificate
            metadata: {name: Bad_Name}
            spec:
              dnsNames: ["-x.example.test"]
              duration: soon
              issuerRef: {name: local}
            """);
        var rules = result.Errors.Select(e => e.Rule).Order().ToList();
        Assert.Equal(["api-version", "dns-name", "duration-format", "resource-name", "unknown-field"], rules);
    }

    [Fact]
    public void Inline_secrets_are_refused()
    {
        var result = Parse("""
            apiVersion: rotor/v1
            kind: Target
            metadata: {name: t}
            spec: {file: {path: x, pkcs12: {file: a.p12, password: hunter2}}}
            """);
        var error = Assert.Single(result.Errors);
        Assert.Equal("secret-by-reference", error.Rule);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_issuer_and_target_references_are_reported()
    {
        var result = Parse("""
            apiVersion: rotor/v1
            kind: Certificate
            metadata: {name: c}
            spec: {dnsNames: [a.example.test], issuerRef: {name: nowhere}, deploy: [{target: missing}]}
            """);
        Assert.Empty(result.Errors);
        var errors = ReferenceValidator.Validate(result.Resources, (_, _) => false);
        Assert.Equal(["issuer-exists", "target-exists"], errors.Select(e => e.Rule).Order().ToList());
        Assert.Contains("nowhere", errors[0].Message, StringComparison.Ordinal);
        Assert.True(ReferenceValidator.Validate(result.Resources, (_, _) => true).Count == 0);
    }

    [Theory]
    [InlineData("spec: {vault: {}}", "known-kind")]
    [InlineData("spec: {acme: {server: http://insecure.example/dir, solvers: [{http01: {listen: 127.0.0.1:80}}]}}", "acme-server-url")]
    [InlineData("spec: {acme: {server: https://ca.example/dir}}", "acme-solver-required")]
    [InlineData("spec: {acme: {server: https://ca.example/dir, solvers: [{dns01: {rfc2136: {nameserver: a, tsigKeyName: k, tsigSecret: hunter2}}}]}}", "secret-by-reference")]
    [InlineData("spec: {acme: {server: https://ca.example/dir, solvers: [{dns01: {}}]}}", "dns01-one-provider")]
    [InlineData("spec: {acme: {server: https://ca.example/dir, solvers: [{http01: {}}]}}", "http01-one-of")]
    [InlineData("spec: {ca: {}, selfSigned: {}}", "one-kind")]
    [InlineData("spec: {ca: {certificate: ca.pem}}", "ca-pair")]
    public void Issuer_kind_rules(string spec, string rule)
    {
        var result = Parse("apiVersion: rotor/v1\nkind: Issuer\nmetadata: {name: i}\n" + spec + "\n");
        Assert.Contains(result.Errors, e => e.Rule == rule);
    }

    [Theory]
    [InlineData("2160h", 2160 * 3600)]
    [InlineData("1h30m", 5400)]
    [InlineData("90s", 90)]
    [InlineData("30d", 30 * 86400)]
    [InlineData("1.5h", 5400)]
    public void Durations_parse_go_style(string text, int seconds)
    {
        Assert.True(DurationParser.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("90")]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("5y")]
    [InlineData("-1h")]
    public void Bad_durations_are_refused(string text) => Assert.False(DurationParser.TryParse(text, out _));
}
