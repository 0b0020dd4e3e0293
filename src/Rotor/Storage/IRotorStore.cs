using Rotor.Core.Abstractions;
using Rotor.Dashboard;

namespace Rotor.Storage;

/// <summary>
/// Everything a Rotor store holds, whichever database it is on: SQLite (one file in the data
/// folder) or PostgreSQL (several Rotor instances on one database). Both implement every part
/// with the same semantics; the store contract tests run against both.
/// </summary>
public interface IRotorStore : IStore, IQueryStore, IAlertStore, IScanStore, IApiTokenStore, IDashboardQueries
{
    /// <summary>The newest migration the store's schema has.</summary>
    int SchemaVersion { get; }

    /// <summary>The migrations this open applied (none when the schema was current).</summary>
    IReadOnlyList<(int Version, string Name)> Applied { get; }

    /// <summary>What the store is, for messages: a file path, or a database without its password.</summary>
    string Description { get; }

    Task<string?> GetMetaAsync(string key, CancellationToken cancellationToken);
    Task SetMetaAsync(string key, string value, CancellationToken cancellationToken);

    /// <summary>True when the store holds no resource, version or certificate status.</summary>
    Task<bool> IsEmptyAsync(CancellationToken cancellationToken);
}
