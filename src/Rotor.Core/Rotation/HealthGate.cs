using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Core.Rotation;

public enum GateVerdict
{
    /// <summary>Keep probing; the next probe is due at the returned time.</summary>
    Continue,
    Pass,
    RollBack,

    /// <summary>The endpoints do not answer at all: wait and alert, neither pass nor roll back.</summary>
    Unreachable,
}

/// <summary>
/// The health gate's arithmetic, without I/O: counts a probe round into the tally and decides.
/// At the end of the window a success rate at or above the threshold passes and one below the
/// rollback line rolls back; in between the window runs once more and the threshold decides.
/// A rollback comes early once so many probes failed that the rest of the window could not lift
/// the rate above the rollback line.
/// </summary>
public static class HealthGate
{
    public static GateTally Count(GateTally tally, IReadOnlyList<ProbeResult> round, string expectedSha256)
    {
        var successes = tally.Successes;
        var failures = tally.Failures;
        var unreachable = tally.Unreachable;
        var handshakes = tally.HandshakeMs.ToList();
        var lastError = tally.LastError;
        foreach (var r in round)
        {
            if (!r.Success && r.Failure == ProbeFailure.Connect)
            {
                unreachable++;
                lastError = $"{r.Target}: {r.Error}";
            }
            else if (r.Success && string.Equals(r.LeafSha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                successes++;
                handshakes.Add(r.HandshakeTime.TotalMilliseconds);
            }
            else
            {
                failures++;
                lastError = r.Success
                    ? $"{r.Target}: presented {Short(r.LeafSha256)} instead of the new version {Short(expectedSha256)}"
                    : $"{r.Target}: {r.Error}";
            }
        }
        return tally with { Successes = successes, Failures = failures, Unreachable = unreachable, HandshakeMs = handshakes, LastError = lastError };
    }

    /// <summary>Counts platform health signals of one round: healthy ones as successes, the others as failures.</summary>
    public static GateTally CountSignals(GateTally tally, IReadOnlyList<HealthSignal> signals)
    {
        if (signals.Count == 0) return tally;
        var failed = signals.Where(s => !s.Healthy).ToList();
        return tally with
        {
            Successes = tally.Successes + signals.Count - failed.Count,
            Failures = tally.Failures + failed.Count,
            LastError = failed.Count > 0 ? $"{failed[^1].Source}: {failed[^1].Detail}" : tally.LastError,
        };
    }

    /// <summary>How many probe rounds a window holds at the gate's rate.</summary>
    public static int RoundsPerWindow(HealthGateSpec gate) => Math.Max(1, (int)Math.Floor(gate.Window.TotalSeconds * gate.ProbesPerSecond));

    public static TimeSpan Interval(HealthGateSpec gate) => TimeSpan.FromSeconds(1 / gate.ProbesPerSecond);

    public static GateVerdict Decide(GateTally tally, HealthGateSpec gate, int endpointsPerRound, bool lastRoundAllUnreachable, DateTimeOffset now)
    {
        if (lastRoundAllUnreachable) return GateVerdict.Unreachable;
        var expected = RoundsPerWindow(gate) * Math.Max(1, endpointsPerRound) * tally.Windows;
        // Early rollback: even if every remaining probe succeeded the rate would stay below the line.
        var allowedFailures = expected * (100 - gate.RollbackBelow) / 100.0;
        if (tally.Failures > allowedFailures) return GateVerdict.RollBack;
        var windowEnd = tally.StartedAt!.Value + gate.Window * tally.Windows;
        if (now < windowEnd || tally.Probes < expected * 0.5)
        {
            return GateVerdict.Continue;
        }
        if (tally.SuccessRate >= gate.SuccessRate) return GateVerdict.Pass;
        if (tally.SuccessRate < gate.RollbackBelow || tally.Windows >= 2) return GateVerdict.RollBack;
        return GateVerdict.Continue; // inconclusive: the caller extends the window once
    }

    /// <summary>Whether the window ended between the two thresholds and should run once more.</summary>
    public static bool IsInconclusive(GateTally tally, HealthGateSpec gate, DateTimeOffset now) =>
        tally.Windows == 1 && now >= tally.StartedAt!.Value + gate.Window &&
        tally.SuccessRate < gate.SuccessRate && tally.SuccessRate >= gate.RollbackBelow;

    private static string Short(string? sha) => sha is null ? "(none)" : sha.Length > 16 ? sha[..16] + "…" : sha;
}
