using Rotor.Core.Resources;
using Rotor.Core.Validation;

namespace Rotor.Tests.Resources;

/// <summary>The AcmeServer resource: its fields and defaults, a clear error naming the field and rule for each bad value, and its policy's decisions.</summary>
public class AcmeServerManifestTests
{
    private static ManifestParseResult Parse(string spec) => ManifestParser.Parse($"""
        apiVersion: rotor/v1
        kind: AcmeServer
        metadata: {"{"}name: devices{"}"}
        spec:
        {spec}
        """, "acme-server.yaml");

    [Fact]
    public void A_full_acme_server_reads_every_field()
    {
        var result = Parse("""
              listen: 127.0.0.1:14443
              issuerRef: {name: local}
              policy:
                dnsNames: [.sip.example, edge.example.test, "regex:sbc[0-9]+\\.example\\.net"]
                ipRanges: [10.0.0.0/8, "2001:db8::/32"]
                keyTypes: [ecdsa-p256, rsa-2048]
                maxDuration: 30d
                ratePerAccount: 50/h
              validation:
                hosts: {sbc1.sip.example: 127.0.0.1}
                http01Port: 5002
                dnsResolvers: ["127.0.0.1:5353"]
            """);
        Assert.Empty(result.Errors);
        var spec = Assert.Single(result.Resources).AsAcmeServer();
        Assert.Equal("127.0.0.1:14443", spec.Listen);
        Assert.Equal("local", spec.IssuerRef);
        Assert.Equal(3, spec.Policy.DnsNames.Count);
        Assert.Equal(["ecdsa-p256", "rsa-2048"], spec.Policy.KeyTypes);
        Assert.Equal(TimeSpan.FromDays(30), spec.Policy.MaxDuration);
        Assert.Equal(new AcmeRate(50, TimeSpan.FromHours(1)), spec.Policy.RatePerAccount);
        Assert.Equal("127.0.0.1", spec.Validation.Hosts["sbc1.sip.example"]);
        Assert.Equal(5002, spec.Validation.Http01Port);
        Assert.True(spec.ExternalAccountRequired);
    }

    [Fact]
    public void Listen_defaults_to_loopback_and_a_bare_address_gets_the_default_port()
    {
        var defaults = Assert.Single(Parse("  issuerRef: {name: local}").Resources).AsAcmeServer();
        Assert.Equal("127.0.0.1:8555", defaults.Listen);
        Assert.Equal(AcmeServerPolicy.KnownKeyTypes, defaults.Policy.KeyTypes);
        Assert.Equal(AcmeServerPolicy.DefaultMaxDuration, defaults.Policy.MaxDuration);
        Assert.Equal(80, defaults.Validation.Http01Port);
        Assert.Equal("10.0.0.5:8555", Assert.Single(Parse("  issuerRef: {name: local}\n  listen: 10.0.0.5").Resources).AsAcmeServer().Listen);
        Assert.Equal("[::1]:9000", Assert.Single(Parse("  issuerRef: {name: local}\n  listen: \"[::1]:9000\"").Resources).AsAcmeServer().Listen);
    }

    [Theory]
    [InlineData("listen: 127.0.0.1:8555", "spec.issuerRef", "required")]
    [InlineData("issuerRef: {name: local}\n  listen: sip.example:443", "spec.listen", "listen-address")]
    [InlineData("issuerRef: {name: local}\n  listen: 127.0.0.1:99999", "spec.listen", "listen-address")]
    [InlineData("issuerRef: {name: local}\n  listen: 0.0.0.0:8555", "spec.listen", "server-names")]
    [InlineData("issuerRef: {name: local}\n  serverNames: [\"not a name\"]", "spec.serverNames[0]", "host-name")]
    [InlineData("issuerRef: {name: local}\n  policy: {dnsNames: [\"bad name!\"]}", "spec.policy.dnsNames[0]", "dns-name-rule")]
    [InlineData("issuerRef: {name: local}\n  policy: {dnsNames: [\"regex:(\"]}", "spec.policy.dnsNames[0]", "dns-name-rule")]
    [InlineData("issuerRef: {name: local}\n  policy: {ipRanges: [10.0.0.1/8]}", "spec.policy.ipRanges[0]", "cidr")]
    [InlineData("issuerRef: {name: local}\n  policy: {ipRanges: [10.0.0.0]}", "spec.policy.ipRanges[0]", "cidr")]
    [InlineData("issuerRef: {name: local}\n  policy: {keyTypes: [ed25519]}", "spec.policy.keyTypes[0]", "key-type")]
    [InlineData("issuerRef: {name: local}\n  policy: {maxDuration: 10m}", "spec.policy.maxDuration", "duration-range")]
    [InlineData("issuerRef: {name: local}\n  policy: {ratePerAccount: many}", "spec.policy.ratePerAccount", "rate")]
    [InlineData("issuerRef: {name: local}\n  policy: {ratePerAccount: 0/h}", "spec.policy.ratePerAccount", "rate")]
    [InlineData("issuerRef: {name: local}\n  policy: {dnsName: [.a.example]}", "spec.policy.dnsName", "unknown-field")]
    [InlineData("issuerRef: {name: local}\n  validation: {hosts: {a.example: nowhere}}", "spec.validation.hosts.a.example", "ip-address")]
    [InlineData("issuerRef: {name: local}\n  validation: {http01Port: 0}", "spec.validation.http01Port", "range")]
    [InlineData("issuerRef: {name: local}\n  validation: {dnsResolvers: [ns.example]}", "spec.validation.dnsResolvers[0]", "resolver-address")]
    public void A_bad_value_is_an_error_at_its_field(string spec, string field, string rule)
    {
        var result = Parse("  " + spec);
        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.Field == field && e.Rule == rule);
    }

    [Fact]
    public void The_issuer_it_names_must_exist()
    {
        var parsed = Parse("  issuerRef: {name: nowhere}");
        var errors = ReferenceValidator.Validate(parsed.Resources, (_, _) => false);
        var error = Assert.Single(errors);
        Assert.Equal("spec.issuerRef.name", error.Field);
        Assert.Equal("issuer-exists", error.Rule);
        Assert.Empty(ReferenceValidator.Validate(parsed.Resources, (kind, name) => kind == ResourceKinds.Issuer && name == "nowhere"));
    }

    [Fact]
    public void The_policy_allows_suffixes_exact_names_regexes_and_ranges_and_names_the_rule_that_refuses()
    {
        var policy = new AcmeIdentifierPolicy(new AcmeServerPolicy
        {
            DnsNames = [".sip.example", "edge.example.test", @"regex:sbc[0-9]+\.example\.net"],
            IpRanges = ["10.0.0.0/8"],
            KeyTypes = ["ecdsa-p256"],
        });
        Assert.Null(policy.Check("dns", "a.sip.example"));
        Assert.Null(policy.Check("dns", "*.sip.example"));
        Assert.Null(policy.Check("dns", "EDGE.example.test"));
        Assert.Null(policy.Check("dns", "sbc12.example.net"));
        Assert.Null(policy.Check("ip", "10.1.2.3"));
        Assert.Contains("policy.dnsNames", policy.Check("dns", "sip.example"));
        Assert.Contains("policy.dnsNames", policy.Check("dns", "evil.example"));
        Assert.Contains("policy.dnsNames", policy.Check("dns", "sbc12.example.net.evil"));
        Assert.Contains("policy.ipRanges", policy.Check("ip", "192.0.2.1"));
        Assert.Contains("not supported", policy.Check("email", "a@b"));
        Assert.Null(policy.CheckKeyType("ecdsa-p256"));
        Assert.Contains("policy.keyTypes", policy.CheckKeyType("rsa-2048"));
    }
}
