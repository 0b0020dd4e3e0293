using Rotor.Core.Rotation;

namespace Rotor.Core.Abstractions;

/// <summary>
/// Durable state: resources, versions, rotation progress, events, leases.
/// Contract: thread-safe; each method is one transaction; events are append-only;
/// <see cref="ListDueAsync"/> and <see cref="GetEarliestDueAsync"/> use an index, never a scan,
/// so a pass over a large fleet with nothing due costs next to nothing.
/// </summary>
public interface IStore : IAsyncDisposable
{
    /// <summary>Stores every resource in one transaction; a changed certificate becomes due now.</summary>
    Task<IReadOnlyList<(StoredResource Resource, ApplyOutcome Outcome)>> ApplyAsync(
        IReadOnlyList<StoredResource> resources, DateTimeOffset now, CancellationToken cancellationToken);

    Task<StoredResource?> GetResourceAsync(string kind, string name, CancellationToken cancellationToken);
    Task<IReadOnlyList<StoredResource>> ListResourcesAsync(string kind, CancellationToken cancellationToken);
    Task<bool> DeleteResourceAsync(string kind, string name, CancellationToken cancellationToken);

    Task<CertificateStatus?> GetStatusAsync(string name, CancellationToken cancellationToken);
    Task SaveStatusAsync(CertificateStatus status, CancellationToken cancellationToken);
    Task<IReadOnlyList<CertificateStatus>> ListStatusesAsync(CancellationToken cancellationToken);

    /// <summary>Sets only <see cref="CertificateStatus.IssuerState"/> (creating the status row if needed).</summary>
    Task SaveIssuerStateAsync(string name, string? issuerStateJson, CancellationToken cancellationToken);

    /// <summary>Names of certificates due at or before <paramref name="now"/>, earliest first.</summary>
    Task<IReadOnlyList<string>> ListDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);
    Task<DateTimeOffset?> GetEarliestDueAsync(CancellationToken cancellationToken);

    Task<long> AddVersionAsync(CertificateVersion version, CancellationToken cancellationToken);
    Task SetVersionStateAsync(long id, VersionState state, CancellationToken cancellationToken);
    Task<CertificateVersion?> GetVersionAsync(long id, CancellationToken cancellationToken);
    Task<IReadOnlyList<CertificateVersion>> ListVersionsAsync(string certificate, CancellationToken cancellationToken);

    /// <summary>Every key reference held by a version or pending on a status (for the stray-key sweep).</summary>
    Task<IReadOnlySet<string>> ListReferencedKeysAsync(CancellationToken cancellationToken);

    Task SaveRotationAsync(RotationRecord rotation, CancellationToken cancellationToken);
    Task<IReadOnlyList<RotationRecord>> ListRotationsAsync(long versionId, CancellationToken cancellationToken);

    Task AppendEventAsync(EventRecord record, CancellationToken cancellationToken);
    Task<IReadOnlyList<EventRecord>> ListEventsAsync(string? kind, string? name, int limit, CancellationToken cancellationToken);

    /// <summary>Claims a certificate's work for <paramref name="owner"/> until <paramref name="until"/>; returns the fencing counter, or null if someone else holds it.</summary>
    Task<long?> TryAcquireLeaseAsync(string resource, string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken);
    Task ReleaseLeaseAsync(string resource, string owner, CancellationToken cancellationToken);
}
