using System.Globalization;
using Microsoft.Data.Sqlite;
using Rotor.Core.Abstractions;
using Rotor.Core.Rotation;

namespace Rotor.Storage.Sqlite;

/// <summary>
/// <see cref="IStore"/> on one SQLite file (WAL mode). Each call opens a pooled connection and
/// runs one transaction, so the store is safe to share between threads and processes.
/// </summary>
public sealed partial class SqliteStore : IRotorStore
{
    private readonly string _connectionString;

    private SqliteStore(string path, bool create)
    {
        Description = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            // Only a folder being initialised may get a new database file; anywhere else a missing
            // rotor.db is an error, never an empty store beside the folder's keys.
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public static async Task<SqliteStore> OpenAsync(string path, DateTimeOffset now, CancellationToken cancellationToken, bool create = true)
    {
        var store = new SqliteStore(path, create);
        await store.MigrateAsync(now, cancellationToken);
        return store;
    }

    public int SchemaVersion { get; private set; }

    public IReadOnlyList<(int Version, string Name)> Applied { get; private set; } = [];

    public string Description { get; }

    /// <summary>
    /// The database handles whose per-connection settings are made. The pool hands the same handle
    /// out again and again; its settings stay, so each is set once, not at every call (a renewal
    /// storm makes tens of store calls per certificate). A handle the pool drops goes with it.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = [];

    private static readonly object Made = new();

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        if (connection.Handle is { } handle && Configured.TryGetValue(handle, out _)) return connection;
        await ConfigureAsync(connection, cancellationToken);
        if (connection.Handle is { } opened) Configured.AddOrUpdate(opened, Made);
        return connection;
    }

    private static async Task ConfigureAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var pragma = connection.CreateCommand();
        // synchronous is per connection: every pooled connection gets NORMAL, not only the one
        // that ran the migrations. In WAL mode NORMAL keeps the database consistent through any
        // crash and every commit durable through a process crash; it does not fsync at each
        // commit, so an OS crash or power loss may undo the last commits (never part of one).
        pragma.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task MigrateAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";
            await wal.ExecuteNonQueryAsync(cancellationToken);
        }
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        var applied = new List<(int, string)>();
        foreach (var (version, name, sql) in SqliteMigrations.Steps)
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
            using var check = Command(connection, tx, "SELECT COUNT(*) FROM schema_migrations WHERE version = $v", ("$v", version));
            if (Convert.ToInt64(await check.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0)
            {
                SchemaVersion = version;
                continue;
            }
            using (var step = Command(connection, tx, sql))
            {
                await step.ExecuteNonQueryAsync(cancellationToken);
            }
            using (var record = Command(connection, tx, "INSERT INTO schema_migrations(version, name, applied_at) VALUES($v, $n, $t)",
                ("$v", version), ("$n", name), ("$t", now.ToUnixTimeMilliseconds())))
            {
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            await tx.CommitAsync(cancellationToken);
            SchemaVersion = version;
            applied.Add((version, name));
        }
        Applied = applied;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (n, v) in parameters)
        {
            cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
        }
        return cmd;
    }

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();
    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    private static DateTimeOffset? FromMs(object value) => value is DBNull or null ? null : FromMs(Convert.ToInt64(value, CultureInfo.InvariantCulture));

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}
