namespace Rotor.Core.Abstractions;

/// <summary>A page of certificates: name order after <see cref="After"/>, filtered, at most <see cref="Limit"/>.</summary>
public sealed record CertificateQuery(string? After, int Limit)
{
    /// <summary>Only names containing this text.</summary>
    public string? NameContains { get; init; }

    /// <summary>Only certificates of this issuer (the spec's issuerRef).</summary>
    public string? Issuer { get; init; }

    /// <summary>Only this status: Ready (in service, no failure), Pending (none in service yet, no failure) or Failing (the last attempt failed).</summary>
    public CertificateState? State { get; init; }

    /// <summary>Only certificates whose version in service expires before this time.</summary>
    public DateTimeOffset? ExpiresBefore { get; init; }
}

public enum CertificateState
{
    Ready,
    Pending,
    Failing,
}

/// <summary>A certificate with its status (null before the reconciler first saw it).</summary>
public sealed record CertificateRow(StoredResource Resource, CertificateStatus? Status);

/// <summary>Events newest first, before the event id <see cref="BeforeId"/> (a cursor), filtered.</summary>
public sealed record EventQuery(long? BeforeId, int Limit)
{
    public string? Kind { get; init; }
    public string? Name { get; init; }
    public EventType? Type { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset? Since { get; init; }
}

/// <summary>What a conditional write expects of the stored resource (HTTP If-Match / If-None-Match).</summary>
public abstract record WriteCondition
{
    private WriteCondition()
    {
    }

    /// <summary>No expectation: the write happens (as <c>rotor apply</c>).</summary>
    public sealed record None : WriteCondition;

    /// <summary>The resource must not exist (If-None-Match: *).</summary>
    public sealed record Absent : WriteCondition;

    /// <summary>The resource must exist, in any version (If-Match: *).</summary>
    public sealed record Present : WriteCondition;

    /// <summary>The resource must be exactly this version (If-Match with an ETag).</summary>
    public sealed record Version(long Generation, string SpecHash) : WriteCondition;
}

/// <summary>
/// Reads for the operator API and the dashboard that page through large fleets with an index
/// (never loading every row), and single-resource writes with a precondition checked in the same
/// transaction as the write, so two writers that read the same version cannot both win.
/// Contract: thread-safe; each method is one transaction.
/// </summary>
public interface IQueryStore
{
    Task<IReadOnlyList<CertificateRow>> ListCertificatePageAsync(CertificateQuery query, CancellationToken cancellationToken);

    /// <summary>Resources of <paramref name="kind"/> in name order after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<StoredResource>> ListResourcePageAsync(string kind, string? after, int limit, CancellationToken cancellationToken);

    Task<int> CountResourcesAsync(string kind, CancellationToken cancellationToken);

    Task<IReadOnlyList<EventRecord>> QueryEventsAsync(EventQuery query, CancellationToken cancellationToken);

    /// <summary>Stores one resource if <paramref name="condition"/> holds; null (nothing stored) when it does not.</summary>
    Task<(StoredResource Resource, ApplyOutcome Outcome)?> ApplyIfAsync(StoredResource resource, WriteCondition condition, DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>Deletes one resource if it exists and <paramref name="condition"/> holds; false when it does not.</summary>
    Task<bool> DeleteIfAsync(string kind, string name, WriteCondition condition, CancellationToken cancellationToken);

    /// <summary>Stored resources of <paramref name="kind"/> whose spec mentions <paramref name="text"/> as a JSON string (a cheap pre-filter for reference checks).</summary>
    Task<IReadOnlyList<StoredResource>> FindMentioningAsync(string kind, string text, CancellationToken cancellationToken);
}
