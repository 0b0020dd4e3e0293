using Rotor.Core.Abstractions;
using Rotor.Issuers;
using Rotor.Keys;
using Rotor.Storage.Postgres;
using Rotor.Storage.Sqlite;

namespace Rotor.Storage;

/// <summary>Whether opening may initialise a new data folder.</summary>
public enum DataFolderUse
{
    /// <summary>The folder must exist (reading, and changing what is stored): a missing one is an error, nothing is created.</summary>
    Existing,

    /// <summary><c>init</c>, and commands that store what they are given (apply, run, reconcile): a new folder is initialised.</summary>
    CreateIfNew,
}

/// <summary>
/// Opens a data folder only when its parts belong together, and refuses anything else with a
/// message that says what is wrong and what to do (README, "When the data folder is damaged").
/// A new folder (missing, or without a store, keys or CA) is initialised by <c>rotor init</c> or
/// by the first command that changes something; an existing one must have its store, its master
/// key and its CA. Nothing is made up to fill a gap: a new empty store beside existing keys would
/// forget every certificate (and the key sweep would once have deleted their keys), a new master
/// key opens none of them, and a new root CA is trusted by no peer.
/// With a PostgreSQL store (<c>--store postgres://...</c>) the store is that database and the folder
/// keeps what stays local (master key, keys, CA, deploy state); the same checks hold between them.
/// </summary>
public static class DataFolder
{
    public const string DatabaseFileName = "rotor.db";
    private const string MasterCheckKey = "master_key_check";
    private const string RootFingerprintKey = "ca_root_sha256";
    private const string InitKey = "initialised";
    private const string InitStarted = "started";
    private const string InitDone = "done";

    /// <summary>The opened store and master key of a checked folder (and whether it was new).</summary>
    public sealed record Opened(IRotorStore Store, byte[] MasterKey, bool Created);

    /// <param name="rootName">The common name of the local root CA, if this call initialises the folder.</param>
    /// <param name="postgres">The PostgreSQL store to use instead of the folder's rotor.db, if any.</param>
    public static async Task<Opened> OpenAsync(string dataDirectory, DataFolderUse use, TimeProvider time, CancellationToken cancellationToken, string? rootName = null,
        PostgresLocation? postgres = null)
    {
        if (postgres is not null) return await OpenWithPostgresAsync(dataDirectory, use, time, postgres, rootName, cancellationToken);
        var fresh = IsNew(dataDirectory);
        if (fresh && use == DataFolderUse.Existing)
        {
            throw new RotorException(
                $"there is no Rotor data folder at {dataDirectory} (chosen by --data, else $ROTOR_DATA, else ./rotor-data in the current folder); " +
                "run `rotor init` or apply manifests there first, or point --data at the folder Rotor uses", isTransient: false) { Reason = RotorReasons.NotInitialized };
        }
        Directory.CreateDirectory(dataDirectory);
        File.SetUnixFileMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var folderLock = await FolderLock.AcquireAsync(dataDirectory, time, TimeSpan.FromSeconds(60), cancellationToken);
        // Checked again under the lock: another process may have initialised the folder meanwhile.
        if (!IsNew(dataDirectory)) return await CheckAsync(dataDirectory, time, cancellationToken);
        var master = await MasterKey.LoadOrCreateAsync(dataDirectory, cancellationToken);
        var store = await SqliteStore.OpenAsync(DatabasePath(dataDirectory), time.GetUtcNow(), cancellationToken, create: true);
        try
        {
            File.SetUnixFileMode(DatabasePath(dataDirectory), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
        return await InitialiseAsync(dataDirectory, rootName, store, master, time, cancellationToken);
    }

    private static async Task<Opened> OpenWithPostgresAsync(string dataDirectory, DataFolderUse use, TimeProvider time, PostgresLocation location,
        string? rootName, CancellationToken cancellationToken)
    {
        var store = await PostgresStore.OpenAsync(location, time.GetUtcNow(), cancellationToken);
        try
        {
            // A new store is one nobody initialised: no folder identity recorded and nothing stored.
            var storeIsNew = await store.GetMetaAsync(MasterCheckKey, cancellationToken) is null && await store.IsEmptyAsync(cancellationToken);
            if (storeIsNew && IsNew(dataDirectory) && use == DataFolderUse.Existing)
            {
                throw new RotorException(
                    $"the PostgreSQL store {store.Description} holds no Rotor data yet and there is no data folder at {dataDirectory}; " +
                    "run `rotor init` (with the same --store and --data) or apply manifests first", isTransient: false) { Reason = RotorReasons.NotInitialized };
            }
            Directory.CreateDirectory(dataDirectory);
            File.SetUnixFileMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            using var folderLock = await FolderLock.AcquireAsync(dataDirectory, time, TimeSpan.FromSeconds(60), cancellationToken);
            if (storeIsNew && IsNew(dataDirectory))
            {
                var master = await MasterKey.LoadOrCreateAsync(dataDirectory, cancellationToken);
                return await InitialiseAsync(dataDirectory, rootName, store, master, time, cancellationToken);
            }
            // A store another instance initialised needs that instance's master key (and CA) here;
            // a new folder gets no new master key that would open none of the store's keys.
            return await CheckStoreAsync(dataDirectory, store, time, cancellationToken);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A folder is new when it holds none of what Rotor keeps: no store, no key file, no CA file.
    /// (A master.key alone, or a lock file, may be there: an operator can provide the master key.)
    /// </summary>
    public static bool IsNew(string dataDirectory) =>
        !File.Exists(Path.Combine(dataDirectory, DatabaseFileName)) && !HasFiles(Path.Combine(dataDirectory, "keys"), "*.key") && !HasCaFiles(dataDirectory);

    private static bool HasFiles(string directory, string pattern) => Directory.Exists(directory) && Directory.EnumerateFiles(directory, pattern).Any();

    private static async Task<Opened> InitialiseAsync(string dataDirectory, string? rootName, IRotorStore store, byte[] master, TimeProvider time,
        CancellationToken cancellationToken)
    {
        try
        {
            // Marked unfinished first: a crash before the end (the root key stored, its certificate
            // not yet) is finished by the next open instead of being refused as a damaged folder.
            await store.SetMetaAsync(InitKey, InitStarted, cancellationToken);
            await store.SetMetaAsync(MasterCheckKey, Keys.MasterKey.CheckValue(master), cancellationToken);
            await FinishInitialisingAsync(dataDirectory, rootName, store, master, time, cancellationToken);
            return new Opened(store, master, Created: true);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    private static async Task FinishInitialisingAsync(string dataDirectory, string? rootName, IRotorStore store, byte[] master, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var localCa = new LocalCa(dataDirectory, KeyStore(dataDirectory, store, master, time), time);
        var (root, _) = await localCa.CreateRootAsync(rootName, cancellationToken);
        await store.SetMetaAsync(RootFingerprintKey, root.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), cancellationToken);
        await store.SetMetaAsync(InitKey, InitDone, cancellationToken);
    }

    private static async Task<Opened> CheckAsync(string dataDirectory, TimeProvider time, CancellationToken cancellationToken)
    {
        var db = DatabasePath(dataDirectory);
        var hasKeys = HasFiles(Path.Combine(dataDirectory, "keys"), "*.key");
        var holds = (hasKeys ? $"{KeyFiles(dataDirectory).Count} key file(s) in keys/" : "no keys") + (HasCaFiles(dataDirectory) ? " and the local CA in ca/" : "");
        if (!File.Exists(db) || new FileInfo(db).Length == 0)
        {
            throw Refused(dataDirectory, $"{DatabaseFileName} is {(File.Exists(db) ? "empty" : "missing")}, but the folder holds {holds}. " +
                "A new store would not know these certificates or their keys. Restore rotor.db from a backup; or move the folder aside, " +
                "`rotor init` a new one and apply your manifests again (new keys and certificates are issued; the old keys stay in the old folder)");
        }
        // A store made before Rotor kept it private (0644 inside the 0700 folder) is made private now.
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (File.GetUnixFileMode(db) != Private) File.SetUnixFileMode(db, Private);
        SqliteStore store;
        try
        {
            store = await SqliteStore.OpenAsync(db, time.GetUtcNow(), cancellationToken, create: false);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw Refused(dataDirectory, $"{DatabaseFileName} is not a Rotor store that can be opened ({e.Message}). Restore it from a backup");
        }
        return await CheckStoreAsync(dataDirectory, store, time, cancellationToken);
    }

    /// <summary>Checks that the folder's master key and CA belong to <paramref name="store"/> (disposed if they do not).</summary>
    private static async Task<Opened> CheckStoreAsync(string dataDirectory, IRotorStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var hasKeys = HasFiles(Path.Combine(dataDirectory, "keys"), "*.key");
        var holds = (hasKeys ? $"{KeyFiles(dataDirectory).Count} key file(s) in keys/" : "no keys") + (HasCaFiles(dataDirectory) ? " and the local CA in ca/" : "");
        var storeName = store is SqliteStore ? DatabaseFileName : $"the store {store.Description}";
        try
        {
            var master = await Keys.MasterKey.LoadAsync(dataDirectory, cancellationToken)
                ?? throw Refused(dataDirectory, $"{Keys.MasterKey.FileName} is missing and {Keys.MasterKey.EnvironmentVariable} is not set. " +
                    $"The keys in {(store is SqliteStore ? "keys/" : "the store")} open only with the master key they were sealed under, so Rotor makes no new one here: " +
                    $"{(store is SqliteStore ? "restore" : "copy")} {Keys.MasterKey.FileName} {(store is SqliteStore ? "from a backup" : "from the data folder of the Rotor that initialised the store")}, " +
                    $"or set {Keys.MasterKey.EnvironmentVariable}");
            var check = Keys.MasterKey.CheckValue(master);
            var recorded = await store.GetMetaAsync(MasterCheckKey, cancellationToken);
            if (recorded is null)
            {
                // A store from before folder checks, or one made by hand: adopted only if it knows something.
                if (hasKeys && await store.IsEmptyAsync(cancellationToken))
                {
                    throw Refused(dataDirectory, $"{storeName} is an empty store, but the folder holds {holds}. Restore it from a backup");
                }
                await store.SetMetaAsync(MasterCheckKey, check, cancellationToken);
            }
            else if (recorded != check)
            {
                throw Refused(dataDirectory, $"{storeName} was made with another master key: it belongs to another data folder, or " +
                    $"{Keys.MasterKey.FileName} / {Keys.MasterKey.EnvironmentVariable} changed. Put back this folder's store, or the master key it was made with");
            }
            if (await store.GetMetaAsync(InitKey, cancellationToken) == InitStarted)
            {
                // An initialisation that was cut short (the master key check above matched).
                await FinishInitialisingAsync(dataDirectory, null, store, master, time, cancellationToken);
                return new Opened(store, master, Created: true);
            }
            await CheckCaAsync(dataDirectory, store, cancellationToken);
            return new Opened(store, master, Created: false);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    private static async Task CheckCaAsync(string dataDirectory, IRotorStore store, CancellationToken cancellationToken)
    {
        var rootPath = Path.Combine(dataDirectory, "ca", "root.pem");
        var recorded = await store.GetMetaAsync(RootFingerprintKey, cancellationToken);
        var rootKey = Path.Combine(dataDirectory, "keys", LocalCa.RootKeyRef + ".key");
        if (!File.Exists(rootPath))
        {
            if (recorded is not null || File.Exists(rootKey))
            {
                throw Refused(dataDirectory, "ca/root.pem is missing, but the local CA's key is still in keys/ " +
                    (recorded is null ? "" : $"(root sha256 {recorded}) ") +
                    "Every certificate Rotor issued, and every peer's trust, is tied to that root: restore ca/root.pem from a backup " +
                    "(or copy it from a peer's trust store). Rotor does not make a new root outside `rotor init` on a new folder");
            }
            return;
        }
        using var root = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(rootPath);
        var fingerprint = root.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
        if (recorded is null)
        {
            await store.SetMetaAsync(RootFingerprintKey, fingerprint, cancellationToken);
        }
        else if (!string.Equals(recorded, fingerprint, StringComparison.OrdinalIgnoreCase))
        {
            throw Refused(dataDirectory, $"ca/root.pem (sha256 {fingerprint}) is not the root this store was made with (sha256 {recorded}). Restore the original ca/root.pem");
        }
    }

    /// <summary>
    /// Where the private keys are: in keys/ beside a SQLite store; in the database of a PostgreSQL
    /// store, so every instance sharing it can use every key (sealed the same way, under the master key).
    /// </summary>
    public static IKeyStore KeyStore(string dataDirectory, IRotorStore store, byte[] master, TimeProvider time) =>
        store is PostgresStore postgres ? postgres.KeysSealedWith(master, time) : new FileKeyStore(Path.Combine(dataDirectory, "keys"), master);

    private static RotorException Refused(string dataDirectory, string problem) =>
        new($"refusing to use the data folder {dataDirectory}: {problem}. Nothing was changed", isTransient: false) { Reason = RotorReasons.DataFolderRefused };

    private static string DatabasePath(string dataDirectory) => Path.Combine(dataDirectory, DatabaseFileName);

    private static IReadOnlyList<string> KeyFiles(string dataDirectory)
    {
        var keys = Path.Combine(dataDirectory, "keys");
        return Directory.Exists(keys) ? Directory.GetFiles(keys, "*.key") : [];
    }

    private static bool HasCaFiles(string dataDirectory)
    {
        var ca = Path.Combine(dataDirectory, "ca");
        return Directory.Exists(ca) && Directory.EnumerateFiles(ca).Any();
    }
}
