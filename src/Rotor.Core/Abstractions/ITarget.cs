using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;

namespace Rotor.Core.Abstractions;

/// <summary>One certificate version on its way to one target.</summary>
public sealed record DeploymentArtifact(
    string CertificateName,
    long VersionId,
    X509Certificate2 Leaf,
    IReadOnlyList<X509Certificate2> Intermediates,
    IReadOnlyList<X509Certificate2> Roots,
    string PrivateKeyPem,
    DeployBinding Binding,
    string ManifestDirectory)
{
    /// <summary>
    /// CA certificates a trust-role binding keeps trusting beside this version's own: those of
    /// versions still in their overlap window. Empty for leaf bindings.
    /// </summary>
    public IReadOnlyList<X509Certificate2> AdditionalTrust { get; init; } = [];

    /// <summary>The version's number within its certificate (<see cref="CertificateVersion.Number"/>): what people are shown.</summary>
    public required long VersionNumber { get; init; }

    /// <summary>
    /// Given to <see cref="ITarget.RollbackAsync"/>: the number of the version whose files go back in
    /// service (the one this version replaced); null when no earlier version was in service.
    /// </summary>
    public long? RestoresVersionNumber { get; init; }

    public bool IsTrustOnly => Binding.Role == DeployRole.Trust;

    /// <summary>
    /// The version this one replaced, as an artifact for the same binding (its key included);
    /// null when none was in service. For targets that cannot keep a copy of what they replace
    /// (a device whose key cannot be read back): loaded only when asked, at a rollback.
    /// </summary>
    public Func<CancellationToken, Task<DeploymentArtifact?>>? LoadPrevious { get; init; }

    /// <summary>The key stays on the device (<see cref="IKeyOnDeviceTarget"/>): <see cref="PrivateKeyPem"/> is empty.</summary>
    public bool KeyOnDevice { get; init; }

    /// <summary>Never prints the key.</summary>
    public override string ToString() => $"{CertificateName} version {VersionNumber} -> {Binding.Target}";
}

/// <summary>
/// A target that keeps working folders of its own beside what it serves (the file target's
/// <c>.rotor/</c>) and can clear what a killed deploy left there. The reconciler calls it for each
/// of a certificate's bindings at the start of every pass on that certificate, under its lease: no
/// deploy of that certificate is under way then, and no other certificate writes in its folders.
/// </summary>
public interface ILeftoverSweepingTarget
{
    /// <summary>
    /// Deletes Rotor's own temp files (and only those) from the binding's working folders; returns
    /// the paths deleted. Touches nothing outside those folders and nothing else in them.
    /// </summary>
    IReadOnlyList<string> RemoveLeftovers(DeployBinding binding, string certificateDirectory);
}

/// <summary>What a target holds now, as far as it can tell.</summary>
public sealed record TargetInspection(string? Sha256Fingerprint, DateTimeOffset? NotAfter, string Detail);

/// <summary>
/// A place certificates go. Contract: every method is idempotent (a crash and a second call
/// give the same result); <see cref="ActivateAsync"/> makes the staged version take effect and,
/// if that fails, restores what was in service before throwing a <see cref="RotorException"/>.
/// Not required to be thread-safe for one certificate: the reconciler serialises work per certificate.
/// </summary>
public interface ITarget
{
    /// <summary>Whether the target can present two certificates at once (overlap without a gap).</summary>
    bool CanHoldTwoCertificates { get; }

    /// <summary>Puts the new version next to the live one without affecting service.</summary>
    Task StageAsync(DeploymentArtifact artifact, CancellationToken cancellationToken);

    /// <summary>Swaps the staged version in and reloads whatever reads it.</summary>
    Task ActivateAsync(DeploymentArtifact artifact, CancellationToken cancellationToken);

    /// <summary>Puts back the version that was live before the last activation.</summary>
    Task RollbackAsync(DeploymentArtifact artifact, CancellationToken cancellationToken);

    /// <summary>Removes what is left of an old version (backups, staged files).</summary>
    Task RetireAsync(DeploymentArtifact artifact, CancellationToken cancellationToken);

    Task<TargetInspection> InspectAsync(DeploymentArtifact artifact, CancellationToken cancellationToken);
}
