using Microsoft.Data.Sqlite;
using Rotor.Cli;
using Rotor.Storage.Sqlite;
using Rotor.Tests.Support;

namespace Rotor.Tests.Storage;

/// <summary>
/// A damaged data folder is refused, never silently replaced: no key is deleted, nothing is
/// regenerated, and the message says what is wrong.
/// </summary>
public class DataFolderTests
{
    private static async Task<TestRotor> IssuedAsync()
    {
        var rotor = new TestRotor();
        var path = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate(), Manifests.Certificate("sip-rsa", key: "{algorithm: RSA, size: 2048}")));
        var (code, _, err) = await rotor.RunAsync("reconcile", "-f", path);
        Assert.True(code == 0, err);
        return rotor;
    }

    private static string[] Snapshot(TestRotor rotor) =>
        Directory.GetFiles(rotor.Data, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/owners/", StringComparison.Ordinal) && !f.EndsWith(".lock", StringComparison.Ordinal) && !f.EndsWith("wake", StringComparison.Ordinal)
                && !f.Contains("rotor.db", StringComparison.Ordinal))
            .Select(f => f + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))))
            .Order(StringComparer.Ordinal).ToArray();

    private static void DeleteDatabase(TestRotor rotor)
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in Directory.GetFiles(rotor.Data, "rotor.db*")) File.Delete(f);
    }

    public static TheoryData<string, string> Damage => new()
    {
        { "missing-db", "rotor.db is missing" },
        { "empty-db", "rotor.db is empty" },
        { "empty-store", "rotor.db is an empty store" },
        { "foreign-db", "made with another master key" },
        { "not-a-db", "not a Rotor store" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public async Task A_missing_empty_or_foreign_store_beside_existing_keys_is_refused_and_no_key_is_deleted(string damage, string expected)
    {
        using var rotor = await IssuedAsync();
        var keysBefore = Directory.GetFiles(Path.Combine(rotor.Data, "keys")).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(3, keysBefore.Length); // the CA's and two certificates'
        var db = Path.Combine(rotor.Data, "rotor.db");
        switch (damage)
        {
            case "missing-db":
                DeleteDatabase(rotor);
                break;
            case "empty-db":
                DeleteDatabase(rotor);
                File.WriteAllBytes(db, []);
                break;
            case "empty-store":
                DeleteDatabase(rotor);
                await (await SqliteStore.OpenAsync(db, TestRotor.Start, default)).DisposeAsync();
                break;
            case "foreign-db":
                using (var other = await IssuedAsync())
                {
                    DeleteDatabase(rotor);
                    SqliteConnection.ClearAllPools();
                    File.Copy(Path.Combine(other.Data, "rotor.db"), db);
                }
                break;
            case "not-a-db":
                DeleteDatabase(rotor);
                File.WriteAllText(db, new string('x', 4096));
                break;
        }
        var files = Snapshot(rotor);
        var dbBytes = File.Exists(db) ? File.ReadAllBytes(db) : null;

        foreach (var args in new[] { new[] { "reconcile" }, ["run", "--listen", "127.0.0.1:0"], ["get", "certificates"], ["init"],
                     ["apply", "-f", rotor.Dir.Combine("rotor.yaml")] })
        {
            var (code, _, err) = await rotor.RunAsync(args);
            Assert.True(code == ExitCodes.Failed, $"{string.Join(' ', args)}: exit {code}: {err}");
            Assert.Contains("refusing to use the data folder", err, StringComparison.Ordinal);
            Assert.Contains(expected, err, StringComparison.Ordinal);
        }
        SqliteConnection.ClearAllPools();
        Assert.Equal(keysBefore, Directory.GetFiles(Path.Combine(rotor.Data, "keys")).Order(StringComparer.Ordinal));
        Assert.Equal(files, Snapshot(rotor));
        Assert.Equal(dbBytes is null, !File.Exists(db));
        if (dbBytes is not null && damage != "empty-store") Assert.Equal(dbBytes, File.ReadAllBytes(db));
    }

    [Fact]
    public async Task A_missing_root_certificate_is_refused_and_not_made_again()
    {
        using var rotor = await IssuedAsync();
        var root = Path.Combine(rotor.Data, "ca", "root.pem");
        File.Delete(root);
        foreach (var args in new[] { new[] { "reconcile" }, ["init"], ["get", "certificates"] })
        {
            var (code, _, err) = await rotor.RunAsync(args);
            Assert.Equal(ExitCodes.Failed, code);
            Assert.Contains("ca/root.pem is missing", err, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(root), "a new root was made");
        Assert.Equal(3, Directory.GetFiles(Path.Combine(rotor.Data, "keys")).Length);
    }

    [Fact]
    public async Task A_replaced_root_certificate_is_refused()
    {
        using var rotor = await IssuedAsync();
        using var other = await IssuedAsync();
        File.Copy(Path.Combine(other.Data, "ca", "root.pem"), Path.Combine(rotor.Data, "ca", "root.pem"), overwrite: true);
        var (code, _, err) = await rotor.RunAsync("reconcile");
        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("is not the root this store was made with", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_master_key_is_refused_even_by_read_only_commands_and_not_made_again()
    {
        using var rotor = await IssuedAsync();
        var master = Path.Combine(rotor.Data, "master.key");
        File.Delete(master);
        foreach (var args in new[] { new[] { "get", "certificates" }, ["describe", "certificate", "sip-edge"], ["reconcile"], ["init"] })
        {
            var (code, _, err) = await rotor.RunAsync(args);
            Assert.Equal(ExitCodes.Failed, code);
            Assert.Contains("master.key is missing", err, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(master), "a new master key was made");
    }

    [Fact]
    public async Task Read_only_commands_in_a_folder_that_is_not_a_data_folder_create_nothing()
    {
        using var rotor = new TestRotor();
        foreach (var args in new[] { new[] { "get", "certificates" }, ["events"], ["describe", "certificate", "x"], ["renew", "x"], ["rollback", "x"] })
        {
            var (code, _, err) = await rotor.RunAsync(args);
            Assert.Equal(ExitCodes.NotFound, code);
            Assert.Contains("no Rotor data folder at " + rotor.Data, err, StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(rotor.Data));
    }

    [Fact]
    public async Task A_key_file_the_store_has_no_record_of_is_reported_and_kept()
    {
        using var rotor = await IssuedAsync();
        var stranger = Path.Combine(rotor.Data, "keys", "sip-edge-0123456789ab.key");
        File.WriteAllBytes(stranger, new byte[64]);
        var (code, _, err) = await rotor.RunAsync("reconcile");
        Assert.True(code == 0, err);
        Assert.True(File.Exists(stranger));
        Assert.Contains("Kept key sip-edge-0123456789ab", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_store_file_is_private_to_its_owner()
    {
        using var rotor = await IssuedAsync();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(rotor.Data, "rotor.db")));
    }

    [Fact]
    public async Task An_initialisation_cut_short_after_the_root_key_is_finished_by_the_next_command()
    {
        using var rotor = new TestRotor();
        Assert.Equal(0, (await rotor.RunAsync("init")).Code);
        // As if killed after the root key was stored and before its certificate was written.
        File.Delete(Path.Combine(rotor.Data, "ca", "root.pem"));
        await using (var store = await SqliteStore.OpenAsync(Path.Combine(rotor.Data, "rotor.db"), TestRotor.Start, default, create: false))
        {
            await store.SetMetaAsync("initialised", "started", default);
        }
        SqliteConnection.ClearAllPools();
        var (code, output, err) = await rotor.RunAsync("init");
        Assert.True(code == 0, err);
        Assert.Contains("Created local root CA", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(rotor.Data, "ca", "root.pem")));
        Assert.Equal(0, (await rotor.RunAsync("get", "certificates")).Code);
    }

    [Theory]
    [InlineData("apply")]
    [InlineData("reconcile")]
    [InlineData("run")]
    public async Task An_invalid_manifest_given_to_a_new_folder_creates_nothing(string command)
    {
        using var rotor = new TestRotor();
        var bad = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Certificate().Replace("issuerRef: {name: local}", "issuerRef: {name: nowhere}", StringComparison.Ordinal)));
        var (code, _, err) = await rotor.RunAsync(command == "run" ? ["run", "-f", bad, "--listen", "127.0.0.1:0"] : [command, "-f", bad]);
        Assert.Equal(Rotor.Cli.ExitCodes.InvalidInput, code);
        Assert.Contains("nothing was applied", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(rotor.Data), "the data folder was created for a manifest that was refused");
    }
}
