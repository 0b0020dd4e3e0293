using Rotor.Storage;
using Rotor.Storage.Sqlite;
using Rotor.Tests.Support;

namespace Rotor.Tests.Storage;

/// <summary>The dashboard's inventory and timeline queries (<see cref="DashboardQueriesContractTests"/>) on SQLite.</summary>
public sealed class SqliteDashboardQueriesTests : DashboardQueriesContractTests
{
    private readonly TempDir _dir = new();

    protected override async Task<IRotorStore?> OpenStoreAsync(DateTimeOffset now) => await SqliteStore.OpenAsync(_dir.Combine("rotor.db"), now, default);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _dir.Dispose();
    }
}
