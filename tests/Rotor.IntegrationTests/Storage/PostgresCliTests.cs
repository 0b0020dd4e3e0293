using Rotor.Cli;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Storage;

/// <summary>
/// Rotor on a PostgreSQL store, chosen with --store or ROTOR_STORE, through the command line as a
/// user runs it: init, migrate, apply, reconcile, get. The store URL's password never reaches
/// output, errors, logs, events or --help.
/// </summary>
[Collection(PostgresLabCollection.Name)]
public sealed class PostgresCliTests(PostgresLab lab)
{
    private sealed record Run(int Code, string Output, string Error)
    {
        public string All => Output + Error;
    }

    private static async Task<Run> RotorAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var cli = new CliContext(output, error, TimeProvider.System)
        {
            Environment = name => environment is not null && environment.TryGetValue(name, out var v) ? v : null,
        };
        var code = await RotorCli.InvokeAsync(cli, args);
        return new Run(code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Migrate_applies_every_step_once_and_then_finds_the_schema_current()
    {
        if (!lab.Require()) return;
        await using var database = await lab.CreateDatabaseAsync();
        var first = await RotorAsync(null, "migrate", "--store", database.Url);
        Assert.True(first.Code == 0, first.All);
        Assert.Contains("applied 1: initial", first.Output, StringComparison.Ordinal);
        var last = Rotor.Storage.Postgres.PostgresMigrations.Steps[^1];
        Assert.Contains($"applied {last.Version}: {last.Name}", first.Output, StringComparison.Ordinal);
        var again = await RotorAsync(new Dictionary<string, string> { ["ROTOR_STORE"] = database.Url }, "migrate");
        Assert.True(again.Code == 0, again.All);
        Assert.DoesNotContain("applied", again.Output, StringComparison.Ordinal);
        Assert.Contains($"the schema is current (version {last.Version})", again.Output, StringComparison.Ordinal);
        Assert.Contains($"postgres://rotor@127.0.0.1:{PostgresLab.Port}/{database.Name}", again.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(lab.Password, first.All + again.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_is_issued_through_a_postgres_store_and_the_password_appears_nowhere()
    {
        if (!lab.Require()) return;
        await using var database = await lab.CreateDatabaseAsync();
        using var dir = new TempDir();
        var data = dir.Combine("data");
        var manifest = dir.Write("site.yaml", LocalCaManifest.Text("commonName: sip.example.test\ndnsNames: [sip.example.test]"));
        var env = new Dictionary<string, string> { ["ROTOR_STORE"] = database.Url };

        var init = await RotorAsync(env, "init", "--data", data, "-v");
        Assert.True(init.Code == 0, init.All);
        Assert.False(File.Exists(Path.Combine(data, "rotor.db")), "the store is PostgreSQL: no rotor.db in the data folder");
        var apply = await RotorAsync(env, "apply", "-f", manifest, "--data", data, "-v");
        Assert.True(apply.Code == 0, apply.All);
        var reconcile = await RotorAsync(env, "reconcile", "--data", data, "-v");
        Assert.True(reconcile.Code == 0, reconcile.All);
        var get = await RotorAsync(null, "get", "certificates", "--data", data, "--store", database.Url, "-o", "json");
        Assert.True(get.Code == 0, get.All);
        Assert.Contains("sip-edge", get.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir.Path, "out", "tls.crt")) || Directory.EnumerateFiles(Path.Combine(dir.Path, "out")).Any(), "the file target was written");

        // The keys are in the database, sealed: the data folder holds none.
        Assert.Empty(Directory.Exists(Path.Combine(data, "keys")) ? Directory.GetFiles(Path.Combine(data, "keys")) : []);
        await using (var c = new Npgsql.NpgsqlConnection(database.ConnectionString))
        {
            await c.OpenAsync();
            await using var count = new Npgsql.NpgsqlCommand("SELECT COUNT(*) FROM sealed_keys WHERE key_ref = 'ca-root'", c);
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }

        // A second instance's data folder without the master key that sealed the store is refused, not given a new one;
        // with a copy of master.key and ca/ it works on the same certificates.
        var other = dir.Combine("other");
        var stranger = await RotorAsync(env, "get", "certificates", "--data", other);
        Assert.NotEqual(0, stranger.Code);
        Assert.Contains("master", stranger.Error, StringComparison.OrdinalIgnoreCase);
        Directory.CreateDirectory(Path.Combine(other, "ca"));
        File.Copy(Path.Combine(data, "master.key"), Path.Combine(other, "master.key"));
        foreach (var f in Directory.GetFiles(Path.Combine(data, "ca"))) File.Copy(f, Path.Combine(other, "ca", Path.GetFileName(f)));
        var renew = await RotorAsync(env, "renew", "sip-edge", "--data", other);
        Assert.True(renew.Code == 0, renew.All);
        var second = await RotorAsync(env, "reconcile", "--data", other, "-v");
        Assert.True(second.Code == 0, second.All);
        var versions = await RotorAsync(env, "describe", "certificate", "sip-edge", "--data", data, "-o", "json");
        Assert.True(versions.Code == 0, versions.All);
        Assert.Contains("\"version\": 2,", versions.Output, StringComparison.Ordinal);

        var events = await RotorAsync(env, "events", "--data", data, "-o", "json");
        Assert.True(events.Code == 0, events.All);
        foreach (var run in new[] { init, apply, reconcile, get, stranger, renew, second, versions, events })
        {
            Assert.DoesNotContain(lab.Password, run.All, StringComparison.Ordinal);
        }
        foreach (var file in Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(lab.Password, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Errors_name_the_host_and_database_never_the_password()
    {
        if (!lab.Require()) return;
        const string Secret = "s3cret-Value-9";
        using var dir = new TempDir();
        var data = dir.Combine("data");

        // A wrong password: refused by the server, named by host, port and database.
        var wrong = await RotorAsync(null, "get", "certificates", "--data", data, "--store", $"postgres://rotor:{Secret}@127.0.0.1:{PostgresLab.Port}/rotor_test");
        Assert.NotEqual(0, wrong.Code);
        Assert.Contains($"127.0.0.1:{PostgresLab.Port}/rotor_test", wrong.Error, StringComparison.Ordinal);
        Assert.Contains("28P01", wrong.Error, StringComparison.Ordinal);

        // Nothing listening there.
        var closed = await RotorAsync(new Dictionary<string, string> { ["ROTOR_STORE"] = $"postgres://rotor:{Secret}@127.0.0.1:1/nowhere" }, "migrate");
        Assert.NotEqual(0, closed.Code);
        Assert.Contains("127.0.0.1:1/nowhere", closed.Error, StringComparison.Ordinal);

        // Malformed URLs: the option or variable and the rule, not the URL.
        var noHost = await RotorAsync(null, "migrate", "--store", $"postgres://rotor:{Secret}@/db");
        Assert.Equal(ExitCodes.InvalidInput, noHost.Code);
        Assert.Contains("--store:", noHost.Error, StringComparison.Ordinal);
        var notPostgres = await RotorAsync(new Dictionary<string, string> { ["ROTOR_STORE"] = $"mysql://rotor:{Secret}@host/db" }, "get", "certificates", "--data", data);
        Assert.Equal(ExitCodes.InvalidInput, notPostgres.Code);
        Assert.Contains("ROTOR_STORE: must be a URL of the form postgres://", notPostgres.Error, StringComparison.Ordinal);
        var noDatabase = await RotorAsync(null, "migrate", "--store", $"postgres://rotor:{Secret}@127.0.0.1:{PostgresLab.Port}");
        Assert.Contains("--store: must name one database", noDatabase.Error, StringComparison.Ordinal);

        // --help with the store in the environment.
        var help = await RotorAsync(new Dictionary<string, string> { ["ROTOR_STORE"] = $"postgres://rotor:{Secret}@127.0.0.1/db" }, "--help");
        Assert.Contains("--store", help.Output, StringComparison.Ordinal);

        foreach (var run in new[] { wrong, closed, noHost, notPostgres, noDatabase, help })
        {
            Assert.DoesNotContain(Secret, run.All, StringComparison.Ordinal);
        }
    }
}
