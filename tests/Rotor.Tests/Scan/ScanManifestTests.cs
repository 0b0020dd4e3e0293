using Rotor.Core.Resources;

namespace Rotor.Tests.Scan;

/// <summary>The Scan resource: its fields and defaults, bounded ranges, and a clear error naming the field for each bad value.</summary>
public class ScanManifestTests
{
    private static ManifestParseResult Parse(string spec) => ManifestParser.Parse($"""
        apiVersion: rotor/v1
        kind: Scan
        metadata: {"{"}name: edge{"}"}
        spec:
        {spec}
        """, "scan.yaml");

    [Fact]
    public void A_scan_reads_its_entries_srv_names_and_defaults()
    {
        var result = Parse("""
              endpoints: ["sip.example.test:5061", "10.0.0.1-10.0.0.20:5061", "[2001:db8::1]:5061-5063"]
              srv: [_sips._tcp.example.test, _sip._tls.example.test.]
              sip: true
            """);
        Assert.Empty(result.Errors);
        var spec = Assert.Single(result.Resources).AsScan();
        Assert.Equal(3, spec.Endpoints.Count);
        Assert.Equal(2, spec.Srv.Count);
        Assert.True(spec.Sip);
        Assert.Equal(ScanSpec.DefaultInterval, spec.Interval);
        Assert.Equal(ScanSpec.DefaultConcurrency, spec.Concurrency);
        Assert.Equal(ScanSpec.DefaultTimeout, spec.Timeout);
    }

    [Theory]
    [InlineData("endpoints: [\"10.0.0.0-10.0.255.255:5061\"]", "spec.endpoints[0]", "scan-size")]
    [InlineData("endpoints: [\"10.0.0.1:5061\", \"10.0.0.1:1-4096\"]", "spec.endpoints[1]", "scan-size")]
    [InlineData("endpoints: [\"10.0.0.9-10.0.0.1:5061\"]", "spec.endpoints[0]", "host-port")]
    [InlineData("endpoints: [\"sip.example.test:5063-5061\"]", "spec.endpoints[0]", "host-port")]
    [InlineData("endpoints: [\"sip.example.test\"]", "spec.endpoints[0]", "host-port")]
    [InlineData("endpoints: [\"10.0.0.1-x:5061\"]", "spec.endpoints[0]", "host-port")]
    [InlineData("srv: [_sip._udp.example.test]", "spec.srv[0]", "srv-name")]
    [InlineData("endpoints: [\"a:1\"]\n  interval: 10s", "spec.interval", "duration-range")]
    [InlineData("endpoints: [\"a:1\"]\n  concurrency: 0", "spec.concurrency", "range")]
    [InlineData("endpoints: [\"a:1\"]\n  timeout: 5m", "spec.timeout", "duration-range")]
    [InlineData("endpoints: [\"a:1\"]\n  sni: 10.0.0.1", "spec.sni", "host-name")]
    [InlineData("endpoints: [\"a:1\"]\n  hosts: [b]", "spec.hosts", "unknown-field")]
    [InlineData("interval: 1h", "spec", "required")]
    public void A_bad_value_is_an_error_at_its_field(string spec, string field, string rule)
    {
        var result = Parse("  " + spec);
        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.Field == field && e.Rule == rule);
    }

    [Fact]
    public void Ranges_expand_in_order_without_repeats_and_within_the_bound()
    {
        Assert.Null(ScanTargets.TryExpand(["10.0.0.254-10.0.1.1:5061", "10.0.0.255:5061", "sip.example.test:5061-5062", "[::1]:5061"], out var all));
        Assert.Equal(
            ["10.0.0.254:5061", "10.0.0.255:5061", "10.0.1.0:5061", "10.0.1.1:5061", "sip.example.test:5061", "sip.example.test:5062", "[::1]:5061"],
            all.Select(a => a.ToString()));
        Assert.Null(ScanTargets.TryExpand(["127.0.0.1:1-4096"], out var exactly));
        Assert.Equal(ScanTargets.MaxExpansion, exactly.Count);
        Assert.NotNull(ScanTargets.TryExpand(["127.0.0.1:1-4096", "127.0.0.2:1"], out _));
        Assert.NotNull(ScanTargets.TryExpand(["0.0.0.0-255.255.255.255:1-65535"], out _));
    }
}
