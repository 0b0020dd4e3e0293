using System.Net;
using Rotor.Core.Validation;
using static Rotor.Tests.Validation.ValidationFixtures;

namespace Rotor.Tests.Validation;

public sealed class CertificateNamesTests
{
    [Fact]
    public void Read_returns_dns_ip_and_uri_names()
    {
        var leaf = TestPki.CreateLeaf(new LeafOptions
        {
            DnsNames = ["sip.example.com", "*.edge.example.com"],
            IpAddresses = [IPAddress.Parse("192.0.2.10"), IPAddress.Parse("2001:DB8::1")],
            Uris = [new Uri("sip:alice@example.com"), new Uri("https://example.com/x")],
        });

        var names = CertificateNames.Read(leaf.Certificate);

        Assert.Equal(
            new[] { "DNS:*.edge.example.com", "DNS:sip.example.com", "IP:192.0.2.10", "IP:2001:db8::1", "URI:https://example.com/x", "URI:sip:alice@example.com" },
            names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_is_case_insensitive()
    {
        var names = CertificateNames.Read(TestPki.CreateLeaf().Certificate);

        Assert.Contains("dns:SIP.Example.com", names);
    }

    [Fact]
    public void Read_of_a_certificate_without_san_is_empty()
    {
        var leaf = TestPki.CreateLeaf(new LeafOptions { DnsNames = [], IpAddresses = [], Uris = [] });

        Assert.Empty(CertificateNames.Read(leaf.Certificate));
        Assert.Empty(CertificateNames.Read(TestPki.Root.Certificate));
    }

    [Fact]
    public void FromLists_uses_the_same_form_as_Read()
    {
        var leaf = TestPki.CreateLeaf(new LeafOptions
        {
            DnsNames = ["sip.example.com"],
            IpAddresses = [IPAddress.Parse("2001:db8::1")],
            Uris = [new Uri("sip:sip.example.com")],
        });

        var fromSpec = CertificateNames.FromLists(["sip.example.com"], ["2001:DB8:0:0::1"], ["sip:sip.example.com"]);

        Assert.True(fromSpec.SetEquals(CertificateNames.Read(leaf.Certificate)));
    }

    [Theory]
    [InlineData("DNS:sip.example.com", true)]
    [InlineData("DNS:SIP.EXAMPLE.COM", true)]
    [InlineData("DNS:a.edge.example.com", true)]
    [InlineData("DNS:*.edge.example.com", true)]
    [InlineData("DNS:a.b.edge.example.com", false)]
    [InlineData("DNS:edge.example.com", false)]
    [InlineData("DNS:.edge.example.com", false)]
    [InlineData("DNS:other.example.com", false)]
    [InlineData("IP:192.0.2.10", true)]
    [InlineData("IP:192.0.2.11", false)]
    [InlineData("URI:sip:sip.example.com", true)]
    [InlineData("URI:sip:a.edge.example.com", false)]
    public void Covers_exact_names_and_one_label_wildcards(string wanted, bool covered)
    {
        var have = Names("DNS:sip.example.com", "DNS:*.edge.example.com", "IP:192.0.2.10", "URI:sip:sip.example.com");

        Assert.Equal(covered, CertificateNames.Covers(have, wanted));
    }

    [Fact]
    public void Covers_does_not_treat_a_wanted_wildcard_as_covered_by_a_plain_name()
    {
        Assert.False(CertificateNames.Covers(Names("DNS:a.example.com"), "DNS:*.example.com"));
    }
}
