using Rotor.Core.Renewal;

namespace Rotor.Scheduling;

public sealed class ReconcilerOptions
{
    public BackoffTable Backoff { get; init; } = new();

    /// <summary>Source of jitter in [0, 1); tests fix it.</summary>
    public Func<double> UnitRandom { get; init; } = Random.Shared.NextDouble;

    /// <summary>At most this many certificates are worked on in one pass; the loop comes back at once for the rest.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Certificates worked on at the same time within a pass.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>
    /// Called after a new version is stored and before it is deployed. Used by fault-injection
    /// tests (ROTOR_FAULT_PAUSE_AFTER_ISSUE) to kill the process exactly there.
    /// </summary>
    public Func<string, CancellationToken, Task>? AfterIssue { get; init; }
}

/// <summary>Outcome of one pass.</summary>
public sealed record PassResult(int Processed, int Failed, int Issued, int Deployed)
{
    public static readonly PassResult Empty = new(0, 0, 0, 0);
}
