using Rotor.Core.Rotation;

namespace Rotor.Core.Abstractions;

/// <summary>
/// Durable state: resources, versions, rotation progress, events, leases.
/// Contract: thread-safe; each method is one transaction; events are append-only;
/// <see cref="ListDueAsync"/> and <see cref="GetEarliestDueAsync"/> use an index, never a scan,
/// so a pass over a large fleet with nothing due costs next to nothing.
/// One writer per certificate: every write of a certificate's rows (status, issuer state,
/// versions, rotations, key intents) happens under that certificate's <see cref="LeaseScope.Current"/>
/// lease and checks its fencing counter in the same transaction; a write without the lease is
/// refused (<see cref="InvalidOperationException"/>), one whose lease was taken throws
/// <see cref="LeaseLostException"/>. Only <see cref="ApplyAsync"/> touches a certificate's status
/// without its lease, and only to make it due now.
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

    /// <summary>
    /// An issuer's own state, kept across processes (e.g. which server of a CMP group new
    /// transactions use), or null. Not a certificate's row: it needs no lease.
    /// </summary>
    Task<IssuerRuntimeState?> GetIssuerRuntimeAsync(string issuer, CancellationToken cancellationToken);

    /// <summary>Replaces an issuer's own state in one small write (no lease: see <see cref="GetIssuerRuntimeAsync"/>).</summary>
    Task SaveIssuerRuntimeAsync(string issuer, string stateJson, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Names of certificates due at or before <paramref name="now"/> whose lease nobody holds, earliest first.</summary>
    Task<IReadOnlyList<string>> ListDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>When the next certificate falls due, or a lease held at <paramref name="now"/> ends (whichever comes first).</summary>
    Task<DateTimeOffset?> GetEarliestDueAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a new version of its certificate and returns it as stored: with its
    /// <see cref="CertificateVersion.Id"/> and the certificate's next <see cref="CertificateVersion.Number"/>.
    /// </summary>
    Task<CertificateVersion> AddVersionAsync(CertificateVersion version, CancellationToken cancellationToken);
    Task SetVersionStateAsync(long id, VersionState state, CancellationToken cancellationToken);
    Task<CertificateVersion?> GetVersionAsync(long id, CancellationToken cancellationToken);
    Task<IReadOnlyList<CertificateVersion>> ListVersionsAsync(string certificate, CancellationToken cancellationToken);

    /// <summary>Every key reference held by a version or pending on a status (for the stray-key sweep).</summary>
    Task<IReadOnlySet<string>> ListReferencedKeysAsync(CancellationToken cancellationToken);

    /// <summary>Records, before the key file exists, that a key is about to be made for <paramref name="certificate"/>.</summary>
    Task RecordKeyIntentAsync(string keyRef, string certificate, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Every key the store recorded the intent to make, with its certificate.</summary>
    Task<IReadOnlyDictionary<string, string>> ListKeyIntentsAsync(CancellationToken cancellationToken);

    /// <summary>Forgets a key's intent once its file is gone.</summary>
    Task ForgetKeyIntentAsync(string keyRef, string certificate, CancellationToken cancellationToken);

    Task SaveRotationAsync(RotationRecord rotation, CancellationToken cancellationToken);
    Task<IReadOnlyList<RotationRecord>> ListRotationsAsync(long versionId, CancellationToken cancellationToken);

    Task AppendEventAsync(EventRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps the latest probe of an Endpoint resource, replacing the one before. Not a certificate's
    /// row: any process that probes may write it, without a lease.
    /// </summary>
    Task SaveEndpointProbeAsync(EndpointProbeRecord probe, CancellationToken cancellationToken);

    /// <summary>The latest probe of <paramref name="endpoint"/>, or null if it was never probed.</summary>
    Task<EndpointProbeRecord?> GetEndpointProbeAsync(string endpoint, CancellationToken cancellationToken);
    Task<IReadOnlyList<EventRecord>> ListEventsAsync(string? kind, string? name, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Claims a resource's work for <paramref name="owner"/> until <paramref name="until"/> (or extends
    /// its own claim); returns the fencing counter, which grows whenever the lease changes hands,
    /// or null if someone else holds an unexpired lease.
    /// </summary>
    Task<long?> TryAcquireLeaseAsync(string resource, string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Takes the lease from <paramref name="deadOwner"/>, known to have died, before it expires; null if it no longer holds it.</summary>
    Task<long?> TakeOverLeaseAsync(string resource, string deadOwner, string owner, DateTimeOffset until, CancellationToken cancellationToken);

    Task<LeaseHolder?> GetLeaseAsync(string resource, CancellationToken cancellationToken);

    /// <summary>Holders of leases that have not expired at <paramref name="now"/>.</summary>
    Task<IReadOnlyList<string>> ListLeaseOwnersAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Ends every lease of <paramref name="deadOwner"/> now (expires it; the fencing counter stays, so the next holder's is higher).</summary>
    Task ExpireLeasesOfAsync(string deadOwner, CancellationToken cancellationToken);
    Task ReleaseLeaseAsync(string resource, string owner, CancellationToken cancellationToken);
}
