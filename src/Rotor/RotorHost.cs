using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;
using Rotor.Issuers;
using Rotor.Keys;
using Rotor.Scheduling;
using Rotor.Storage.Sqlite;
using Rotor.Targets;

namespace Rotor;

/// <summary>
/// Everything Rotor needs, opened on one data folder: <c>rotor.db</c> (SQLite), <c>keys/</c>,
/// <c>master.key</c> (unless ROTOR_MASTER_KEY is set), <c>ca/</c> (the local CA).
/// </summary>
public sealed class RotorHost : IAsyncDisposable
{
    public const string DataEnvironmentVariable = "ROTOR_DATA";
    public const string DefaultDataDirectory = "rotor-data";
    public const string WakeFileName = "wake";

    private RotorHost(string dataDirectory, IStore store, IKeyStore keys, LocalCa localCa, IssuerRegistry issuers,
        TargetRegistry targets, Reconciler reconciler, TimeProvider time, ILoggerFactory loggers)
    {
        DataDirectory = dataDirectory;
        Store = store;
        Keys = keys;
        LocalCa = localCa;
        Issuers = issuers;
        Targets = targets;
        Reconciler = reconciler;
        Time = time;
        Loggers = loggers;
    }

    public string DataDirectory { get; }
    public IStore Store { get; }
    public IKeyStore Keys { get; }
    public LocalCa LocalCa { get; }
    public IssuerRegistry Issuers { get; }
    public TargetRegistry Targets { get; }
    public Reconciler Reconciler { get; }
    public TimeProvider Time { get; }
    public ILoggerFactory Loggers { get; }
    public string WakeFile => Path.Combine(DataDirectory, WakeFileName);

    /// <summary>--data, else ROTOR_DATA, else ./rotor-data.</summary>
    public static string ResolveDataDirectory(string? option) =>
        Path.GetFullPath(option ?? Environment.GetEnvironmentVariable(DataEnvironmentVariable) ?? DefaultDataDirectory);

    public static async Task<RotorHost> OpenAsync(string dataDirectory, TimeProvider time, ILoggerFactory loggers,
        ReconcilerOptions? options, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        File.SetUnixFileMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var store = await SqliteStore.OpenAsync(Path.Combine(dataDirectory, "rotor.db"), time.GetUtcNow(), cancellationToken);
        var master = await MasterKey.LoadOrCreateAsync(dataDirectory, cancellationToken);
        var keys = new FileKeyStore(Path.Combine(dataDirectory, "keys"), master);
        var localCa = new LocalCa(dataDirectory, keys, time);
        var issuers = new IssuerRegistry(store, keys, localCa, time, loggers);
        // One probe for gates and reload checks; each probe names the roots it must build to.
        var probe = new Probes.TlsProbe(new Probes.TlsProbeOptions(), time, loggers.CreateLogger<Probes.TlsProbe>());
        var targets = new TargetRegistry(store, probe, time, loggers);
        var reconciler = new Reconciler(store, keys, issuers, targets, time, loggers.CreateLogger<Reconciler>(), options, probe);
        return new RotorHost(dataDirectory, store, keys, localCa, issuers, targets, reconciler, time, loggers);
    }

    /// <summary>Tells a running <c>rotor run</c> on the same data folder to look again now.</summary>
    public void Wake()
    {
        File.WriteAllText(WakeFile, Time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public ValueTask DisposeAsync()
    {
        Issuers.Dispose();
        return Store.DisposeAsync();
    }
}
