using System.Globalization;
using System.Text;

namespace Rotor.Telemetry;

/// <summary>
/// Handshake-time histograms and probe counts of this process, by source (<c>gate</c>: health
/// gates and reload checks; <c>scan</c>: discovery scans), for <c>/metrics</c>. Counters start at
/// zero with the process, as Prometheus expects of counters. Thread-safe without locks.
/// </summary>
public sealed class ProbeHistograms
{
    /// <summary>Upper bounds in seconds: loopback handshakes take milliseconds, a far SBC hundreds.</summary>
    public static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    public const string Gate = "gate";
    public const string Scan = "scan";

    private readonly Series _gate = new();
    private readonly Series _scan = new();

    /// <param name="handshake">The TLS handshake's duration when it completed; null when it did not.</param>
    public void Record(string source, bool success, TimeSpan? handshake)
    {
        var series = source == Scan ? _scan : _gate;
        Interlocked.Increment(ref success ? ref series.Successes : ref series.Failures);
        if (handshake is not { } h) return;
        var seconds = h.TotalSeconds;
        for (var i = 0; i < Buckets.Length; i++)
        {
            if (seconds <= Buckets[i]) Interlocked.Increment(ref series.Counts[i]);
        }
        Interlocked.Increment(ref series.Count);
        // The sum in microseconds, as a long: Interlocked has no double add.
        Interlocked.Add(ref series.SumMicroseconds, (long)Math.Round(seconds * 1_000_000));
    }

    public void Render(StringBuilder sb)
    {
        sb.Append("# HELP rotor_probe_handshake_seconds Duration of completed TLS handshakes of Rotor's probes, by source (gate, scan).\n")
          .Append("# TYPE rotor_probe_handshake_seconds histogram\n");
        foreach (var (source, s) in new[] { (Gate, _gate), (Scan, _scan) })
        {
            for (var i = 0; i < Buckets.Length; i++)
            {
                sb.Append("rotor_probe_handshake_seconds_bucket{source=\"").Append(source).Append("\",le=\"")
                  .Append(Buckets[i].ToString(CultureInfo.InvariantCulture)).Append("\"} ").Append(Volatile.Read(ref s.Counts[i]).ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            var count = Volatile.Read(ref s.Count).ToString(CultureInfo.InvariantCulture);
            sb.Append("rotor_probe_handshake_seconds_bucket{source=\"").Append(source).Append("\",le=\"+Inf\"} ").Append(count).Append('\n');
            sb.Append("rotor_probe_handshake_seconds_sum{source=\"").Append(source).Append("\"} ")
              .Append((Volatile.Read(ref s.SumMicroseconds) / 1_000_000.0).ToString("0.######", CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("rotor_probe_handshake_seconds_count{source=\"").Append(source).Append("\"} ").Append(count).Append('\n');
        }
        sb.Append("# HELP rotor_probes_total Probes made by this process, by source and result.\n# TYPE rotor_probes_total counter\n");
        foreach (var (source, s) in new[] { (Gate, _gate), (Scan, _scan) })
        {
            sb.Append("rotor_probes_total{source=\"").Append(source).Append("\",result=\"success\"} ").Append(Volatile.Read(ref s.Successes).ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("rotor_probes_total{source=\"").Append(source).Append("\",result=\"failure\"} ").Append(Volatile.Read(ref s.Failures).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private sealed class Series
    {
        public readonly long[] Counts = new long[Buckets.Length];
        public long Count;
        public long SumMicroseconds;
        public long Successes;
        public long Failures;
    }
}
