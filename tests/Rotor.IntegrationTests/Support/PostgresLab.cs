using System.Globalization;
using System.Security.Cryptography;
using Npgsql;
using Rotor.Storage.Postgres;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// One throwaway PostgreSQL server (tests/env/postgres) on 127.0.0.1 for the whole test run (port
/// 55440, moved by ROTOR_PG_LAB_PORT_OFFSET), with a new random password for the test role each run
/// so a test can look for it in everything Rotor wrote. Each test class, or test, gets its own
/// fresh database (<see cref="CreateDatabaseAsync"/>): a crashed earlier run's data never shows.
/// </summary>
public sealed class PostgresLab : IDisposable
{
    private static readonly int Offset = int.TryParse(Environment.GetEnvironmentVariable("ROTOR_PG_LAB_PORT_OFFSET"), out var o) ? o : 0;

    public static readonly int Port = 55440 + Offset;

    public PostgresLab()
    {
        // Short and directly under /tmp: the socket path must fit in 107 bytes, and the server's OS user must enter every parent.
        StateDirectory = "/tmp/rotor-it-pg-" + Port.ToString(CultureInfo.InvariantCulture);
        Password = "pw-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var (code, output) = EnvScript.RunAsync(EnvScript.Folder("postgres"), "start-postgres.sh", [StateDirectory, Port.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { ["TESTPG_PASSWORD"] = Password }, TimeSpan.FromMinutes(2), CancellationToken.None).GetAwaiter().GetResult();
        var connection = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("Host=", StringComparison.Ordinal));
        if (code != 0 || connection is null)
        {
            Problem = "PostgreSQL did not start (tests/env/postgres/start-postgres.sh): " + output.Trim();
            return;
        }
        AdminConnectionString = connection;
        Available = true;
    }

    public string StateDirectory { get; }
    public bool Available { get; }
    public string? Problem { get; }

    /// <summary>The test role's password (LOGIN CREATEDB, not a superuser).</summary>
    public string Password { get; }

    /// <summary>The test role on its own database (rotor_test), from which the per-test databases are made.</summary>
    public string AdminConnectionString { get; } = "";

    public bool Require() => EnvScript.Require(Available, Problem, "PostgreSQL");

    /// <summary>The store URL of <paramref name="database"/>, as a user passes it to --store.</summary>
    public string Url(string database) => $"postgres://rotor:{Password}@127.0.0.1:{Port}/{database}";

    /// <summary>A new empty database, dropped (with any session still on it) when disposed.</summary>
    public async Task<PostgresDatabase> CreateDatabaseAsync()
    {
        var name = "rotor_t_" + Guid.NewGuid().ToString("N")[..16];
        await using var c = new NpgsqlConnection(AdminConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
        await cmd.ExecuteNonQueryAsync();
        return new PostgresDatabase(this, name);
    }

    internal async Task DropDatabaseAsync(string name)
    {
        await using var c = new NpgsqlConnection(AdminConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", c);
        await cmd.ExecuteNonQueryAsync();
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        EnvScript.Run(EnvScript.Folder("postgres"), "stop-postgres.sh", [StateDirectory, "--remove"], null, TimeSpan.FromMinutes(1));
    }
}

/// <summary>One test's database on the <see cref="PostgresLab"/> server.</summary>
public sealed class PostgresDatabase(PostgresLab lab, string name) : IAsyncDisposable
{
    public string Name { get; } = name;

    /// <summary>postgres://rotor:PASSWORD@127.0.0.1:PORT/NAME, as a user passes it to --store.</summary>
    public string Url => lab.Url(Name);

    public PostgresLocation Location => PostgresLocation.Parse(Url, "--store");

    public string ConnectionString => new NpgsqlConnectionStringBuilder(lab.AdminConnectionString) { Database = Name }.ConnectionString;

    public async Task ExecuteAsync(string sql)
    {
        await using var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync() => await lab.DropDatabaseAsync(Name);
}

[CollectionDefinition(Name)]
public sealed class PostgresLabCollection : ICollectionFixture<PostgresLab>
{
    public const string Name = "PostgreSQL";
}
