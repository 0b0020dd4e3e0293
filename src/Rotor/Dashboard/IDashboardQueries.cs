using Rotor.Core.Abstractions;

namespace Rotor.Dashboard;

/// <summary>What the inventory's status filter and badge say about a certificate, worst first.</summary>
public enum InventoryStatus
{
    /// <summary>Its current version is past notAfter.</summary>
    Expired,

    /// <summary>The last attempt(s) failed and it is retrying.</summary>
    Failing,

    /// <summary>A version is being rolled out (issued, not yet in service everywhere).</summary>
    Rotating,

    /// <summary>No version yet.</summary>
    Pending,

    /// <summary>In service, within <see cref="InventoryQuery.ExpiringWithin"/> of notAfter.</summary>
    Expiring,

    Ready,

    /// <summary>Has a version but is not ready (e.g. a deployment did not complete).</summary>
    NotReady,
}

/// <summary>A filter and page of the inventory: name contains, status, issuer (exact); pages from 1.</summary>
public sealed record InventoryQuery(string? Name, InventoryStatus? Status, string? Issuer, int Page, int PageSize)
{
    /// <summary>The first alert threshold by default: "expiring" means within 30 days.</summary>
    public static readonly TimeSpan ExpiringWithin = TimeSpan.FromDays(30);
}

public sealed record InventoryRow(
    string Name, InventoryStatus Status, string Issuer, IReadOnlyList<string> Targets, DateTimeOffset? NotAfter,
    DateTimeOffset? RenewalAt, int Failures, string? LastFailure);

public sealed record InventoryResult(IReadOnlyList<InventoryRow> Rows, int Total);

/// <summary>Certificates (current versions) whose notAfter falls on day <paramref name="Day"/> from the start (0-based).</summary>
public sealed record ExpiryDay(int Day, int Count);

/// <summary>
/// The dashboard's reads, each one query shaped for a page: a page of the inventory costs the same
/// with 10,000 certificates as with 10 (no versions are loaded per row). Contract as <see cref="IStore"/>:
/// thread-safe, each call one read.
/// </summary>
public interface IDashboardQueries
{
    Task<InventoryResult> ListInventoryAsync(InventoryQuery query, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Counts per day of the current versions' notAfter in [now, now + days), under the same name and issuer filter.</summary>
    Task<IReadOnlyList<ExpiryDay>> CountExpiriesAsync(string? name, string? issuer, DateTimeOffset now, int days, CancellationToken cancellationToken);

    /// <summary>The latest probe of every probed endpoint.</summary>
    Task<IReadOnlyList<EndpointProbeRecord>> ListEndpointProbesAsync(CancellationToken cancellationToken);
}
