using Rotor.Core.Resources;

namespace Rotor.Tests.Resources;

/// <summary>One host:port reading for the manifest's tlsEndpoint and the probe command's argument.</summary>
public class HostPortTests
{
    [Theory]
    [InlineData("sip.example.test:5061", "sip.example.test", 5061)]
    [InlineData("192.0.2.10:5061", "192.0.2.10", 5061)]
    [InlineData("[2001:db8::1]:5061", "2001:db8::1", 5061)]
    [InlineData(" [::1]:1 ", "::1", 1)]
    [InlineData("localhost:65535", "localhost", 65535)]
    public void Good_addresses_parse(string text, string host, int port)
    {
        Assert.Null(HostPort.TryParse(text, out var h, out var p));
        Assert.Equal((host, port), (h, p));
    }

    [Theory]
    [InlineData("2001:db8::1:5061", "more than one ':'; write an IPv6 address in brackets")]
    [InlineData("sip.example.test", "has no port")]
    [InlineData(":5061", "has no host")]
    [InlineData("", "is empty")]
    [InlineData("sip.example.test:0", "port '0' must be a number from 1 to 65535")]
    [InlineData("sip.example.test:65536", "port '65536' must be a number from 1 to 65535")]
    [InlineData("sip.example.test:+5061", "port '+5061' must be a number")]
    [InlineData("sip.example.test:", "port '' must be a number")]
    [InlineData("[2001:db8::1]5061", "is not [address]:port")]
    [InlineData("[2001:db8::1", "is not [address]:port")]
    [InlineData("[192.0.2.10]:5061", "'192.0.2.10' in brackets is not an IPv6 address")]
    [InlineData("sip_edge!:5061", "'sip_edge!' is not a DNS name or an IP address")]
    public void Bad_addresses_say_which_rule_they_break(string text, string message)
    {
        Assert.Contains(message, HostPort.TryParse(text, out var host, out var port), StringComparison.Ordinal);
        Assert.Equal(("", 0), (host, port));
    }

    [Fact]
    public void A_huge_text_is_refused_by_its_length()
    {
        Assert.Contains("at most 300", HostPort.TryParse(new string('a', 1_000_000) + ":5061", out _, out _), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2001:db8::1:5061", "more than one ':'")]
    [InlineData("[2001:db8::1]:0", "port '0' must be a number from 1 to 65535")]
    [InlineData("kamailio:notaport", "port 'notaport'")]
    public void A_manifest_tls_endpoint_follows_the_same_rules(string endpoint, string message)
    {
        var result = ManifestParser.Parse($$"""
            apiVersion: rotor/v1
            kind: Target
            metadata: {name: k}
            spec:
              kamailio: {ctlSocket: /run/k.ctl, certificatePath: /c.pem, privateKeyPath: /k.pem, tlsEndpoint: "{{endpoint}}"}
            """, "m.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal(("host-port", "spec.kamailio.tlsEndpoint"), (error.Rule, error.Field));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(HostPort.TryParse(endpoint, out _, out _), error.Message);
    }

    [Fact]
    public void A_manifest_tls_endpoint_in_brackets_is_read()
    {
        var result = ManifestParser.Parse("""
            apiVersion: rotor/v1
            kind: Target
            metadata: {name: k}
            spec:
              kamailio: {ctlSocket: /run/k.ctl, certificatePath: /c.pem, privateKeyPath: /k.pem, tlsEndpoint: "[2001:db8::1]:5061"}
            """, "m.yaml");

        Assert.Empty(result.Errors);
        Assert.Equal("[2001:db8::1]:5061", result.Resources[0].AsTarget().Kamailio!.TlsEndpoint);
    }

    [Theory]
    [InlineData("sip_edge!", "is not a DNS name or an IP address")]
    [InlineData("[2001:db8::1]", "without brackets")]
    public void An_endpoint_host_must_be_a_name_or_an_address(string host, string message)
    {
        var result = ManifestParser.Parse($"apiVersion: rotor/v1\nkind: Endpoint\nmetadata: {{name: e}}\nspec: {{host: \"{host}\"}}\n", "m.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal(("host-name", "spec.host"), (error.Rule, error.Field));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sip.example.test")]
    [InlineData("192.0.2.10")]
    [InlineData("2001:db8::1")]
    public void An_endpoint_host_may_be_a_name_or_an_address(string host)
    {
        var result = ManifestParser.Parse($"apiVersion: rotor/v1\nkind: Endpoint\nmetadata: {{name: e}}\nspec: {{host: \"{host}\"}}\n", "m.yaml");

        Assert.Empty(result.Errors);
        Assert.Equal(host, result.Resources[0].AsEndpoint().Host);
    }
}
