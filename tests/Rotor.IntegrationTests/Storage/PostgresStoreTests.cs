using Npgsql;
using Rotor.IntegrationTests.Support;
using Rotor.Storage;
using Rotor.Storage.Postgres;
using Rotor.Tests.Storage;

namespace Rotor.IntegrationTests.Storage;

/// <summary>The store contract (<see cref="StoreContractTests"/>) on a real PostgreSQL, each test on its own new database.</summary>
[Collection(PostgresLabCollection.Name)]
public sealed partial class PostgresStoreTests(PostgresLab lab) : StoreContractTests
{
    private PostgresDatabase? _database;

    public override async Task InitializeAsync()
    {
        if (lab.Require()) _database = await lab.CreateDatabaseAsync();
    }

    protected override async Task<IRotorStore?> OpenStoreAsync(DateTimeOffset now) =>
        _database is null ? null : await PostgresStore.OpenAsync(_database.Location, now, default);

    protected override IReadOnlyList<(int Version, string Name, string Sql)> MigrationSteps => PostgresMigrations.Steps;

    protected override Task ExecuteAsync(string sql) => _database!.ExecuteAsync(sql);

    protected override async Task<IReadOnlyList<long>> RecordedMigrationsAsync()
    {
        await using var c = new NpgsqlConnection(_database!.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations ORDER BY version", c);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<long>();
        while (await r.ReadAsync()) list.Add(r.GetInt32(0));
        return list;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}

/// <summary>The dashboard's queries (<see cref="DashboardQueriesContractTests"/>) on a real PostgreSQL.</summary>
[Collection(PostgresLabCollection.Name)]
public sealed class PostgresDashboardQueriesTests(PostgresLab lab) : DashboardQueriesContractTests
{
    private PostgresDatabase? _database;

    protected override async Task<IRotorStore?> OpenStoreAsync(DateTimeOffset now)
    {
        if (!lab.Require()) return null;
        _database = await lab.CreateDatabaseAsync();
        return await PostgresStore.OpenAsync(_database.Location, now, default);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}
