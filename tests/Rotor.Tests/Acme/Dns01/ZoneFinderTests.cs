using System.Net;
using Rotor.Acme.Challenges.Dns01;
using Rotor.Acme.Transport;

namespace Rotor.Tests.Acme.Dns01;

public class ZoneFinderTests
{
    private static readonly IPEndPoint[] Resolver = [new(IPAddress.Loopback, 5300)];

    [Fact]
    public async Task Zone_is_the_owner_of_the_first_soa_answer_walking_up()
    {
        var dns = new FakeDns();
        dns.AddZone("example.com", "ns1.example.com", "192.0.2.1");
        var zone = await new ZoneFinder(dns).FindZoneAsync(Resolver, "_acme-challenge.www.example.com.", CancellationToken.None);
        Assert.Equal("example.com.", zone);
        // Walked: _acme-challenge.www (REFUSED in the fake), www, then the apex.
        Assert.Equal(3, dns.Log.Count(l => l.Contains(" Soa ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Soa_in_the_authority_section_of_nodata_names_the_zone_at_once()
    {
        var dns = new FakeDns();
        dns.AddName("_acme-challenge.www.example.com", "example.com");
        var zone = await new ZoneFinder(dns).FindZoneAsync(Resolver, "_acme-challenge.www.example.com", CancellationToken.None);
        Assert.Equal("example.com.", zone);
        Assert.Single(dns.Log);
    }

    [Fact]
    public async Task Soa_in_the_authority_section_of_nxdomain_names_the_zone()
    {
        var dns = new FakeDns();
        dns.Recursive[("_acme-challenge.x.sub.example.com.", DnsType.Soa)] =
            new DnsAnswer(DnsCodesForTests.NxDomain, [], [new DnsRecord("sub.example.com.", DnsType.Soa, "ns.sub.example.com.")]);
        Assert.Equal("sub.example.com.", await new ZoneFinder(dns).FindZoneAsync(Resolver, "_acme-challenge.x.sub.example.com", CancellationToken.None));
    }

    [Fact]
    public async Task An_soa_of_another_owner_in_the_answer_is_ignored()
    {
        // A resolver chasing a CNAME answers with the target zone's SOA: not this name's zone.
        var dns = new FakeDns();
        dns.Recursive[("www.example.com.", DnsType.Soa)] = new DnsAnswer(0, [new DnsRecord("other.net.", DnsType.Soa, "ns.other.net.")], []);
        dns.AddZone("example.com", "ns1.example.com", "192.0.2.1");
        Assert.Equal("example.com.", await new ZoneFinder(dns).FindZoneAsync(Resolver, "www.example.com", CancellationToken.None));
    }

    [Fact]
    public async Task No_zone_anywhere_is_a_clear_zone_error()
    {
        var dns = new FakeDns();
        var e = await Assert.ThrowsAsync<AcmeException>(() => new ZoneFinder(dns).FindZoneAsync(Resolver, "_acme-challenge.x.nope.test.", CancellationToken.None));
        Assert.Equal("no zone found for _acme-challenge.x.nope.test", e.Message);
        Assert.Equal(Dns01Causes.Zone, e.ProblemType);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task The_root_soa_of_a_missing_tld_is_not_a_zone()
    {
        var dns = new FakeDns();
        dns.Recursive[("x.nope.", DnsType.Soa)] = new DnsAnswer(DnsCodesForTests.NxDomain, [], [new DnsRecord(".", DnsType.Soa, "a.root-servers.net.")]);
        var e = await Assert.ThrowsAsync<AcmeException>(() => new ZoneFinder(dns).FindZoneAsync(Resolver, "x.nope", CancellationToken.None));
        Assert.Equal(Dns01Causes.Zone, e.ProblemType);
    }

    [Fact]
    public async Task Servfail_stops_the_walk_as_a_transient_dns_error()
    {
        var dns = new FakeDns();
        dns.Recursive[("www.example.com.", DnsType.Soa)] = DnsAnswer.Empty(DnsCodesForTests.ServFail);
        var e = await Assert.ThrowsAsync<AcmeException>(() => new ZoneFinder(dns).FindZoneAsync(Resolver, "www.example.com", CancellationToken.None));
        Assert.Equal(Dns01Causes.Dns, e.ProblemType);
        Assert.True(e.IsTransient);
        Assert.Contains("SERVFAIL for SOA www.example.com", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cname_delegation_moves_the_record_into_the_target_zone()
    {
        var dns = new FakeDns();
        dns.AddCname("_acme-challenge.www.example.com", "www.acme-delegate.net");
        dns.AddName("www.acme-delegate.net", "acme-delegate.net");
        var progress = new List<string>();
        var target = await new ZoneFinder(dns).FindAsync(Resolver, "_acme-challenge.www.example.com.", true, new SyncProgress(progress), CancellationToken.None);
        Assert.Equal(new Dns01Target("www.acme-delegate.net.", "acme-delegate.net."), target);
        Assert.Contains(progress, p => p.Contains("is a CNAME to www.acme-delegate.net", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cname_chains_are_followed_and_can_be_switched_off()
    {
        var dns = new FakeDns();
        dns.AddCname("_acme-challenge.a.example.com", "b.example.org");
        dns.AddCname("b.example.org", "c.example.net");
        dns.AddName("c.example.net", "example.net");
        dns.AddName("_acme-challenge.a.example.com", "example.com");
        var finder = new ZoneFinder(dns);
        Assert.Equal(new Dns01Target("c.example.net.", "example.net."), await finder.FindAsync(Resolver, "_acme-challenge.a.example.com", true, null, CancellationToken.None));
        Assert.Equal(new Dns01Target("_acme-challenge.a.example.com.", "example.com."),
            await finder.FindAsync(Resolver, "_acme-challenge.a.example.com", false, null, CancellationToken.None));
    }

    [Fact]
    public async Task Cname_loops_are_reported()
    {
        var dns = new FakeDns();
        dns.AddCname("_acme-challenge.a.example.com", "b.example.com");
        dns.AddCname("b.example.com", "_acme-challenge.a.example.com");
        var e = await Assert.ThrowsAsync<AcmeException>(() => new ZoneFinder(dns).FindAsync(Resolver, "_acme-challenge.a.example.com", true, null, CancellationToken.None));
        Assert.Contains("CNAME loop", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>IProgress that records synchronously (Progress&lt;T&gt; posts to a context, too late for asserts).</summary>
internal sealed class SyncProgress(List<string> sink) : IProgress<string>
{
    public void Report(string value)
    {
        lock (sink) sink.Add(value);
    }
}
