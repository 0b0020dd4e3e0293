using Rotor.Core.Rotation;

namespace Rotor.Core.Abstractions;

/// <summary>A resource as stored: its spec (JSON), generation (bumped on each change) and origin.</summary>
public sealed record StoredResource(
    string Kind,
    string Name,
    long Generation,
    string SpecJson,
    string SpecHash,
    string SourceFile,
    DateTimeOffset UpdatedAt);

public enum ApplyOutcome
{
    Created,
    Configured,
    Unchanged,
}

/// <summary>The reconciler's bookkeeping for one certificate.</summary>
public sealed record CertificateStatus
{
    public required string Name { get; init; }

    /// <summary>When the reconciler should look at this certificate next (indexed).</summary>
    public DateTimeOffset NextDueAt { get; init; }
    public int Failures { get; init; }
    public string? LastFailure { get; init; }
    public bool RenewRequested { get; init; }

    /// <summary>A manual renewal that does not wait for the issuer's key-update window (<c>rotor renew --now</c>).</summary>
    public bool RenewNow { get; init; }

    /// <summary>
    /// The issuer's own record of its last or current request for this certificate (CMP:
    /// transaction state, server, last PKIStatus), as JSON. Written only through
    /// <see cref="IStore.SaveIssuerStateAsync"/>; <see cref="IStore.SaveStatusAsync"/> leaves it alone.
    /// </summary>
    public string? IssuerState { get; init; }

    /// <summary>A key generated for an issuance not yet recorded as a version (crash safety).</summary>
    public string? PendingKeyRef { get; init; }
    public long? CurrentVersionId { get; init; }
    public string? Issuer { get; init; }
    public DateTimeOffset? NotAfter { get; init; }
    public DateTimeOffset? RenewalAt { get; init; }
    public bool Ready { get; init; }
}

/// <summary>One issued certificate of a Certificate resource.</summary>
public sealed record CertificateVersion
{
    /// <summary>The store's key, unique across certificates; never shown to people.</summary>
    public long Id { get; init; }

    /// <summary>
    /// The version's number among its certificate's versions (1, 2, ...), given by the store: what
    /// events, logs, the CLI and reload commands show, and what a user types.
    /// </summary>
    public long Number { get; init; }

    public required string Certificate { get; init; }
    public long Generation { get; init; }
    public required string Serial { get; init; }
    public required string Sha256Fingerprint { get; init; }
    public DateTimeOffset NotBefore { get; init; }
    public DateTimeOffset NotAfter { get; init; }

    /// <summary>Leaf, intermediates, then roots, as PEM.</summary>
    public required string ChainPem { get; init; }
    public int IntermediateCount { get; init; }
    public required string KeyRef { get; init; }
    public VersionState State { get; init; }

    /// <summary>What the version was issued for (names, key, usages, issuer, duration), as JSON.</summary>
    public required string IssuedForJson { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Progress of one version on one target.</summary>
public sealed record RotationRecord(long VersionId, string Target, RotationState State, string? Detail, DateTimeOffset UpdatedAt)
{
    /// <summary>What the state needs to resume after a restart: wave, gate tally, timers.</summary>
    public RotationProgress Progress { get; init; } = new();
}

public enum EventType
{
    Normal,
    Warning,
}

/// <summary>An append-only audit record of a decision or outcome. Messages never carry secrets.</summary>
public sealed record EventRecord(
    long Id,
    DateTimeOffset At,
    string Kind,
    string Name,
    EventType Type,
    string Reason,
    string Message);

/// <summary>
/// The latest probe of one Endpoint resource (by a health gate): when, for which certificate,
/// and what it found. <see cref="Failure"/> is <see cref="ProbeFailure.None"/> on success.
/// </summary>
public sealed record EndpointProbeRecord(
    string Endpoint,
    DateTimeOffset At,
    string? Certificate,
    bool Success,
    ProbeFailure Failure,
    string? LeafSha256,
    bool ChainTrusted,
    int? SipStatusCode,
    double? HandshakeMs,
    string? Error)
{
    public static EndpointProbeRecord From(string endpoint, string? certificate, ProbeResult r, DateTimeOffset at) => new(
        endpoint, at, certificate, r.Success, r.Success ? ProbeFailure.None : r.Failure, r.LeafSha256, r.ChainTrusted, r.SipStatusCode,
        r.LeafSha256 is null ? null : Math.Round(r.HandshakeTime.TotalMilliseconds, 2), r.Error);
}

/// <summary>An issuer's own state (JSON of the issuer kind's choosing, no secrets) and when it was last written.</summary>
public sealed record IssuerRuntimeState(string Issuer, string StateJson, DateTimeOffset UpdatedAt);
