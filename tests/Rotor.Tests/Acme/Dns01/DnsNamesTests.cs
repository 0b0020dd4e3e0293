using Rotor.Acme.Challenges;
using Rotor.Acme.Challenges.Dns01;
using Rotor.Acme.Transport;

namespace Rotor.Tests.Acme.Dns01;

public class DnsNamesTests
{
    [Theory]
    [InlineData("www.example.com", "_acme-challenge.www.example.com.")]
    [InlineData("*.example.com", "_acme-challenge.example.com.")]
    [InlineData("WWW.Example.COM.", "_acme-challenge.www.example.com.")]
    public void Record_name_is_fully_qualified_lower_case_without_the_wildcard(string identifier, string expected)
    {
        var request = new ChallengeRequest(identifier, "tok", "tok.thumb", "value");
        Assert.Equal(expected, DnsNames.RecordNameOf(request));
    }

    [Fact]
    public void Domain_for_raw_hooks_has_no_wildcard_and_no_dot()
    {
        Assert.Equal("example.com", DnsNames.DomainOf(new ChallengeRequest("*.example.com", "t", "k", "v")));
        Assert.Equal("a.example.com", DnsNames.DomainOf(new ChallengeRequest("a.example.com.", "t", "k", "v")));
    }

    [Fact]
    public void Parents_walk_up_to_the_root()
    {
        Assert.Equal("example.com.", DnsNames.Parent("www.example.com"));
        Assert.Equal("com.", DnsNames.Parent("example.com."));
        Assert.Equal(".", DnsNames.Parent("com."));
        Assert.Null(DnsNames.Parent("."));
    }

    [Fact]
    public void Below_a_zone_means_a_whole_label_boundary()
    {
        Assert.True(DnsNames.IsAtOrBelow("_acme-challenge.www.example.com.", "example.com."));
        Assert.True(DnsNames.IsAtOrBelow("example.com.", "EXAMPLE.com"));
        Assert.False(DnsNames.IsAtOrBelow("notexample.com.", "example.com."));
        Assert.True(DnsNames.IsAtOrBelow("anything.", "."));
    }

    [Theory]
    [InlineData("127.0.0.1:15353", "127.0.0.1", 15353)]
    [InlineData("127.0.0.1", "127.0.0.1", 53)]
    [InlineData("ns1.example.com", "ns1.example.com", 53)]
    [InlineData("ns1.example.com:5353", "ns1.example.com", 5353)]
    [InlineData("[::1]:15353", "::1", 15353)]
    [InlineData("[::1]", "::1", 53)]
    [InlineData("::1", "::1", 53)]
    public void Server_addresses_parse(string text, string host, int port)
    {
        var address = DnsServerAddress.Parse(text, 53);
        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
    }

    [Theory]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("host:port")]
    [InlineData("[::1")]
    [InlineData("")]
    public void Bad_server_addresses_are_config_errors(string text)
    {
        var e = Assert.Throws<AcmeException>(() => DnsServerAddress.Parse(text, 53));
        Assert.Equal(Dns01Causes.Config, e.ProblemType);
        Assert.Contains("is not a DNS server address", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_durations_read_well()
    {
        Assert.Equal("0s", DnsNames.Seconds(TimeSpan.Zero));
        Assert.Equal("0.03s", DnsNames.Seconds(TimeSpan.FromMilliseconds(31)));
        Assert.Equal("0.3s", DnsNames.Seconds(TimeSpan.FromMilliseconds(300)));
        Assert.Equal("2s", DnsNames.Seconds(TimeSpan.FromSeconds(2)));
        Assert.Equal("30s", DnsNames.Seconds(TimeSpan.FromSeconds(30)));
        Assert.Equal("120s", DnsNames.Seconds(TimeSpan.FromSeconds(120)));
    }
}
