namespace Rotor.Core.Rotation;

/// <summary>
/// The data a rotation state needs to resume after a restart, persisted with the state after
/// every transition. Times are absolute, so a resumed gate or drain keeps its original deadline.
/// </summary>
public sealed record RotationProgress
{
    /// <summary>Index of the wave this target belongs to (trust targets first).</summary>
    public int Wave { get; init; }

    /// <summary>Do nothing for this target before this time (next probe, drain end, retry).</summary>
    public DateTimeOffset? NextAt { get; init; }

    public DateTimeOffset? PromotedAt { get; init; }
    public DateTimeOffset? DrainUntil { get; init; }

    /// <summary>Activation attempts on this target (a lagging HA member is re-activated).</summary>
    public int Attempts { get; init; }

    public GateTally Gate { get; init; } = new();

    /// <summary>When the last "cannot reach" or "member lagging" alert went out, to repeat it at an interval, not every probe.</summary>
    public DateTimeOffset? LastAlertAt { get; init; }
}

/// <summary>
/// Probe counts of one health gate. Unreachable probes (nothing answered the connection) are kept
/// apart: a server that is down says nothing about the certificate.
/// </summary>
public sealed record GateTally
{
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>1 for the first window; 2 when an inconclusive first window was extended.</summary>
    public int Windows { get; init; } = 1;

    public int Successes { get; init; }
    public int Failures { get; init; }
    public int Unreachable { get; init; }

    /// <summary>Handshake times of successful probes (milliseconds), for the percentiles in the gate's event.</summary>
    public IReadOnlyList<double> HandshakeMs { get; init; } = [];

    /// <summary>The last failure's text (wrong fingerprint, untrusted chain, SIP error): the rollback evidence.</summary>
    public string? LastError { get; init; }

    /// <summary>Set when this target's gate passed; in an HA group it waits here for the other members.</summary>
    public bool Passed { get; init; }

    public int Probes => Successes + Failures;

    public double SuccessRate => Probes == 0 ? 0 : 100.0 * Successes / Probes;

    /// <summary>The handshake time (ms) at quantile <paramref name="q"/> (0.5 = p50) of the successful probes; null before any.</summary>
    public double? HandshakePercentile(double q)
    {
        if (HandshakeMs.Count == 0) return null;
        var sorted = HandshakeMs.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public string Describe()
    {
        string P(double q) => HandshakePercentile(q) is { } v ? v.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "-";
        return $"{Successes}/{Probes} probes succeeded ({SuccessRate.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} %), " +
            $"{Unreachable} unreachable; handshake p50 {P(0.5)} ms, p95 {P(0.95)} ms, max {P(1)} ms" +
            (LastError is null ? "" : $"; last failure: {LastError}");
    }
}
