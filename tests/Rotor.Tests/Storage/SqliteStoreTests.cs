using Microsoft.Data.Sqlite;
using Rotor.Storage;
using Rotor.Storage.Sqlite;
using Rotor.Tests.Support;

namespace Rotor.Tests.Storage;

/// <summary>The store contract (<see cref="StoreContractTests"/>) on SQLite, and what only SQLite has: its file's history.</summary>
public sealed class SqliteStoreTests : StoreContractTests, IDisposable
{
    private readonly TempDir _dir = new();

    private string DatabasePath => _dir.Combine("rotor.db");

    protected override async Task<IRotorStore?> OpenStoreAsync(DateTimeOffset now) => await SqliteStore.OpenAsync(DatabasePath, now, default);

    protected override IReadOnlyList<(int Version, string Name, string Sql)> MigrationSteps => SqliteMigrations.Steps;

    protected override async Task ExecuteAsync(string sql)
    {
        await using var c = new SqliteConnection($"Data Source={DatabasePath}");
        await c.OpenAsync();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    protected override async Task<IReadOnlyList<long>> RecordedMigrationsAsync()
    {
        await using var c = new SqliteConnection($"Data Source={DatabasePath}");
        await c.OpenAsync();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT version FROM schema_migrations ORDER BY version";
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<long>();
        while (await r.ReadAsync()) list.Add(r.GetInt64(0));
        return list;
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_store_from_before_per_certificate_numbers_numbers_its_versions_in_order_of_issue()
    {
        var path = DatabasePath;
        // The schema as it was before step 6, with versions of two certificates interleaved (ids 1-5).
        await using (var c = new SqliteConnection($"Data Source={path}"))
        {
            await c.OpenAsync();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);" +
                string.Concat(SqliteMigrations.Steps.Where(s => s.Version < 6).Select(s => s.Sql + $";INSERT INTO schema_migrations VALUES({s.Version}, 'step {s.Version}', 0);")) +
                string.Concat(new[] { "a", "b", "b", "a", "b" }.Select((cert, i) =>
                    "INSERT INTO certificate_versions(certificate, generation, serial, fingerprint, not_before, not_after, chain_pem, intermediate_count, key_ref, state, issued_for, created_at) " +
                    $"VALUES('{cert}', 1, '0{i}', 'F{i}', 0, 1, 'pem', 0, 'k{i}', 'Retired', '{{}}', {i});"));
            await cmd.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();
        await using var store = await SqliteStore.OpenAsync(path, Now, default);
        Assert.Equal([(1L, 1L), (4L, 2L)], (await store.ListVersionsAsync("a", default)).Select(v => (v.Id, v.Number)));
        Assert.Equal([(2L, 1L), (3L, 2L), (5L, 3L)], (await store.ListVersionsAsync("b", default)).Select(v => (v.Id, v.Number)));
        var next = await store.UnderLeaseAsync("a", () => store.AddVersionAsync(Version("a", "09"), default));
        Assert.Equal(3, next.Number);
    }
}
