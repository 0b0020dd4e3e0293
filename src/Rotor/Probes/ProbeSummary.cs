using Rotor.Core.Abstractions;

namespace Rotor.Probes;

/// <summary>
/// Figures over a series of probes of one endpoint: how many succeeded, and the handshake time
/// distribution of those whose handshake completed (nearest-rank percentiles).
/// </summary>
public sealed record ProbeSummary(int Count, int Successes, TimeSpan? HandshakeP50, TimeSpan? HandshakeP95, TimeSpan? HandshakeMax)
{
    public int Failures => Count - Successes;

    public static ProbeSummary From(IReadOnlyCollection<ProbeResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        // A handshake time is only a handshake time when one completed (a fingerprint was seen).
        var handshakes = results.Where(r => r.LeafSha256 is not null).Select(r => r.HandshakeTime).Order().ToArray();
        return new ProbeSummary(
            results.Count,
            results.Count(r => r.Success),
            Percentile(handshakes, 50),
            Percentile(handshakes, 95),
            handshakes.Length == 0 ? null : handshakes[^1]);
    }

    /// <summary>Nearest-rank percentile of sorted values: the smallest value with at least p % at or below it.</summary>
    public static TimeSpan? Percentile(IReadOnlyList<TimeSpan> sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0) return null;
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
