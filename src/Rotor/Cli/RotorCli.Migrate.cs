using System.CommandLine;
using Rotor.Core.Abstractions;
using Rotor.Storage;
using Rotor.Storage.Postgres;
using Rotor.Storage.Sqlite;

namespace Rotor.Cli;

public static partial class RotorCli
{
    /// <summary>
    /// <c>rotor migrate</c>: brings the store's schema up to date and says which steps it applied.
    /// Every command migrates when it opens the store; this one does only that, so an upgrade can
    /// migrate a shared PostgreSQL store once, before the instances start (two at once are safe:
    /// the steps run under an advisory lock, and the second finds them done).
    /// </summary>
    private static Command MigrateCommand(CliContext cli)
    {
        var cmd = new Command("migrate", "Apply the store's pending schema migrations and print them (the store of --store / $ROTOR_STORE, else the data folder's rotor.db)");
        cmd.SetAction(async (parse, ct) =>
        {
            var location = cli.StoreLocation(parse);
            IRotorStore store;
            if (location is not null)
            {
                store = await PostgresStore.OpenAsync(location, cli.Time.GetUtcNow(), ct);
            }
            else
            {
                var db = Path.Combine(cli.DataDirectory(parse), DataFolder.DatabaseFileName);
                if (!File.Exists(db))
                {
                    return cli.Fail(ExitCodes.NotFound, $"there is no store at {db}; run `rotor init` first, or give --store");
                }
                // An existing rotor.db only: migrate never makes a new, empty store.
                store = await SqliteStore.OpenAsync(db, cli.Time.GetUtcNow(), ct, create: false);
            }
            await using (store)
            {
                foreach (var (version, name) in store.Applied)
                {
                    cli.Output.WriteLine($"applied {version}: {name}");
                }
                cli.Output.WriteLine(store.Applied.Count == 0
                    ? $"{store.Description}: the schema is current (version {store.SchemaVersion})"
                    : $"{store.Description}: {store.Applied.Count} migration(s) applied; schema version {store.SchemaVersion}");
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
