using System.Text;
using Rotor.Telemetry;

namespace Rotor.Tests.Telemetry;

public class ProbeHistogramsTests
{
    private static string Render(ProbeHistograms h)
    {
        var sb = new StringBuilder();
        h.Render(sb);
        return sb.ToString();
    }

    [Fact]
    public void Handshakes_fall_into_cumulative_buckets_by_source_with_sum_count_and_results()
    {
        var h = new ProbeHistograms();
        h.Record(ProbeHistograms.Gate, success: true, TimeSpan.FromMilliseconds(3));
        h.Record(ProbeHistograms.Gate, success: true, TimeSpan.FromMilliseconds(40));
        h.Record(ProbeHistograms.Gate, success: false, TimeSpan.FromMilliseconds(700));
        h.Record(ProbeHistograms.Gate, success: false, handshake: null); // never reached the handshake
        h.Record(ProbeHistograms.Scan, success: true, TimeSpan.FromSeconds(9));

        var text = Render(h);
        Assert.Contains("# TYPE rotor_probe_handshake_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probe_handshake_seconds_bucket{source=\"gate\",le=\"0.005\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probe_handshake_seconds_bucket{source=\"gate\",le=\"0.05\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probe_handshake_seconds_bucket{source=\"gate\",le=\"0.5\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probe_handshake_seconds_bucket{source=\"gate\",le=\"1\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probe_handshake_seconds_bucket{source=\"gate\",le=\"+Inf\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probe_handshake_seconds_sum{source=\"gate\"} 0.743\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probe_handshake_seconds_count{source=\"gate\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probe_handshake_seconds_bucket{source=\"scan\",le=\"5\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probe_handshake_seconds_bucket{source=\"scan\",le=\"+Inf\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probes_total{source=\"gate\",result=\"success\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probes_total{source=\"gate\",result=\"failure\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probes_total{source=\"scan\",result=\"success\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_records_are_all_counted()
    {
        var h = new ProbeHistograms();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++) h.Record(ProbeHistograms.Scan, true, TimeSpan.FromMilliseconds(2));
        })));
        var text = Render(h);
        Assert.Contains("rotor_probe_handshake_seconds_count{source=\"scan\"} 80000\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probe_handshake_seconds_bucket{source=\"scan\",le=\"0.005\"} 80000\n", text, StringComparison.Ordinal);
        Assert.Contains("rotor_probe_handshake_seconds_sum{source=\"scan\"} 160\n", text, StringComparison.Ordinal);
    }
}
