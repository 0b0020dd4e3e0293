using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Core.Rotation;

/// <summary>
/// What the rotation steps reach outside themselves: targets, probes, the store and the clock.
/// The application supplies it; tests supply fakes.
/// </summary>
public interface IRotationEnvironment
{
    TimeProvider Time { get; }

    IProbe Probe { get; }

    Task<ITarget> GetTargetAsync(string target, CancellationToken cancellationToken);

    /// <summary>
    /// The files one version puts on one target. For a trust binding the artifact carries no key,
    /// and <paramref name="alsoTrust"/> lists versions whose CA certificates must stay trusted
    /// alongside (those still in their overlap window).
    /// </summary>
    Task<DeploymentArtifact> GetArtifactAsync(long versionId, DeployBinding binding, IReadOnlyList<long> alsoTrust, CancellationToken cancellationToken);

    Task<IReadOnlyList<ProbeTarget>> GetEndpointsAsync(DeployBinding binding, CancellationToken cancellationToken);

    Task SaveAsync(RotationRecord record, CancellationToken cancellationToken);

    Task<IReadOnlyList<RotationRecord>> ListRecordsAsync(long versionId, CancellationToken cancellationToken);

    /// <summary>Records a decision or outcome of <paramref name="versionId"/> on <paramref name="target"/> in the audit log.</summary>
    Task EventAsync(EventType type, string reason, long versionId, string target, string message, CancellationToken cancellationToken);
}

/// <summary>One version's rotation across the certificate's targets.</summary>
public sealed record RotationJob(
    string Certificate,
    long VersionId,
    string Sha256Fingerprint,
    CertificateSpec Spec,
    long? PreviousVersionId)
{
    /// <summary>The version's number within its certificate (<see cref="CertificateVersion.Number"/>), as messages show it.</summary>
    public required long VersionNumber { get; init; }

    /// <summary>The number of <see cref="PreviousVersionId"/>'s version; null when there is none.</summary>
    public long? PreviousVersionNumber { get; init; }

    /// <summary>
    /// The version is already in service (a target was added to it later): a target that fails
    /// its gate rolls back alone instead of taking the version down everywhere.
    /// </summary>
    public bool AlreadyActive { get; init; }
}

/// <summary>The state of one target in a rotation, as the steps see it.</summary>
public sealed record RotationMember(DeployBinding Binding, RotationRecord Record, int Wave)
{
    /// <summary>False until the member's first record is persisted: it has not even been staged yet.</summary>
    public bool Started { get; init; } = true;

    public string Target => Binding.Target;
    public RotationState State => Record.State;
    public RotationProgress Progress => Record.Progress;
}
