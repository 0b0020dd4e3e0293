using System.Globalization;
using Npgsql;
using Rotor.Core.Abstractions;

namespace Rotor.Storage.Postgres;

/// <summary>
/// <see cref="IRotorStore"/> on PostgreSQL, for several Rotor instances sharing one database.
/// Same schema, migrations and semantics as <see cref="Sqlite.SqliteStore"/>; each call takes a
/// pooled connection and runs one transaction (READ COMMITTED). Where SQLite relies on its single
/// writer (BEGIN IMMEDIATE), this store locks what the check reads: the lease row FOR SHARE in a
/// fenced write, a transaction-scoped advisory lock per resource in a conditional apply.
/// </summary>
public sealed partial class PostgresStore : IRotorStore
{
    private readonly NpgsqlDataSource _dataSource;

    private PostgresStore(NpgsqlDataSource dataSource, string description)
    {
        _dataSource = dataSource;
        Description = description;
    }

    /// <summary>Opens the store at <paramref name="location"/> and brings its schema up to date.</summary>
    public static async Task<PostgresStore> OpenAsync(PostgresLocation location, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The slim builder: no reflection-based type mapping, so the Native AOT executable stays
        // warning-free. Rotor stores only text, integers and doubles.
        var dataSource = new NpgsqlSlimDataSourceBuilder(location.ConnectionString).Build();
        var store = new PostgresStore(dataSource, location.Description);
        try
        {
            await store.MigrateAsync(now, cancellationToken);
            return store;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await store.DisposeAsync();
            throw location.Unreachable(e);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public int SchemaVersion { get; private set; }

    public IReadOnlyList<(int Version, string Name)> Applied { get; private set; } = [];

    public string Description { get; }

    /// <summary>Lock namespaces of this store's advisory locks (the first key of the two-key form).</summary>
    internal const int MigrationLock = 0x526F7401;
    internal const int ResourceLock = 0x526F7402;

    private async Task MigrateAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var c = await _dataSource.OpenConnectionAsync(cancellationToken);
        // One transaction under an advisory lock: two instances starting at once do not both
        // migrate; the second waits, then finds every step recorded. PostgreSQL's DDL is
        // transactional, so a failed step leaves the schema as it was.
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await using (var lockCmd = Command(c, tx, "SELECT pg_advisory_xact_lock(@ns, 0)", ("ns", MigrationLock)))
        {
            await lockCmd.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var create = Command(c, tx, "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        var done = new HashSet<int>();
        await using (var read = Command(c, tx, "SELECT version FROM schema_migrations"))
        await using (var r = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await r.ReadAsync(cancellationToken)) done.Add(r.GetInt32(0));
        }
        var applied = new List<(int, string)>();
        foreach (var (version, name, sql) in PostgresMigrations.Steps)
        {
            if (!done.Contains(version))
            {
                await using (var step = Command(c, tx, sql))
                {
                    await step.ExecuteNonQueryAsync(cancellationToken);
                }
                await using (var record = Command(c, tx, "INSERT INTO schema_migrations(version, name, applied_at) VALUES(@v, @n, @t)",
                    ("v", version), ("n", name), ("t", Ms(now))))
                {
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                applied.Add((version, name));
            }
            SchemaVersion = version;
        }
        await tx.CommitAsync(cancellationToken);
        Applied = applied;
    }

    private ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken) => _dataSource.OpenConnectionAsync(cancellationToken);

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, connection, tx);
        foreach (var (n, v) in parameters)
        {
            // A null is sent without a type: PostgreSQL takes the type from where the parameter is used.
            cmd.Parameters.Add(new NpgsqlParameter(n, v ?? DBNull.Value));
        }
        return cmd;
    }

    /// <summary>A transaction-scoped lock on one resource's row (kind and name), held to the commit.</summary>
    private static async Task LockResourceAsync(NpgsqlConnection c, NpgsqlTransaction tx, string kind, string name, CancellationToken cancellationToken)
    {
        await using var cmd = Command(c, tx, "SELECT pg_advisory_xact_lock(@ns, hashtext(@key))", ("ns", ResourceLock), ("key", kind + "/" + name));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();
    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    private static DateTimeOffset? FromMs(object value) => value is DBNull or null ? null : FromMs(Convert.ToInt64(value, CultureInfo.InvariantCulture));

    // Columns are read through Convert so INTEGER, BIGINT and aggregate results read alike.
    private static long Int64(NpgsqlDataReader r, int i) => Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
    private static int Int32(NpgsqlDataReader r, int i) => Convert.ToInt32(r.GetValue(i), CultureInfo.InvariantCulture);
    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    /// <summary>
    /// The private keys of this store, kept in the database so every instance sharing it can use
    /// them; sealed as in keys/ files (<see cref="Keys.KeyEnvelope"/>) under the master key, which
    /// stays outside the database, in each instance's data folder or ROTOR_MASTER_KEY.
    /// </summary>
    public IKeyStore KeysSealedWith(byte[] masterKey, TimeProvider time) => new PostgresKeyStore(_dataSource, masterKey, time);

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
