using Rotor.Core.Renewal;

namespace Rotor.Scheduling;

public sealed record ReconcilerOptions
{
    public BackoffTable Backoff { get; init; } = new();

    /// <summary>Source of jitter in [0, 1); tests fix it.</summary>
    public Func<double> UnitRandom { get; init; } = Random.Shared.NextDouble;

    /// <summary>At most this many certificates are worked on in one pass; the loop comes back at once for the rest.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Certificates worked on at the same time within a pass.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>
    /// Called at named points of an issuance (<see cref="FaultPoints"/>) with the certificate's
    /// name. Used by crash-safety tests (ROTOR_FAULT_PAUSE_AT) to kill the process exactly there.
    /// </summary>
    public Func<string, string, CancellationToken, Task>? FaultPoint { get; init; }
}

/// <summary>Outcome of one pass.</summary>
public sealed record PassResult(int Processed, int Failed, int Issued, int Deployed)
{
    public static readonly PassResult Empty = new(0, 0, 0, 0);
}

/// <summary>Points in an issuance where a crash is most costly, for fault injection.</summary>
public static class FaultPoints
{
    /// <summary>The new key is stored; the certificate is not issued yet.</summary>
    public const string AfterKey = "after-key";

    /// <summary>A rotation record was just persisted in <paramref name="state"/> (e.g. <c>rotation-Verifying</c>).</summary>
    public static string Rotation(Rotor.Core.Rotation.RotationState state) => "rotation-" + state;

    /// <summary>The new version is issued, validated and stored; nothing is deployed yet.</summary>
    public const string AfterIssue = "after-issue";
}
