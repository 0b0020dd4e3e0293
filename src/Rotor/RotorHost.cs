using Microsoft.Extensions.Logging;
using Rotor.Commands;
using Rotor.Core.Abstractions;
using Rotor.Issuers;
using Rotor.Keys;
using Rotor.Scheduling;
using Rotor.Storage;
using Rotor.Targets;

namespace Rotor;

/// <summary>
/// Everything Rotor needs, opened on one data folder: <c>rotor.db</c> (SQLite), <c>keys/</c>,
/// <c>master.key</c> (unless ROTOR_MASTER_KEY is set), <c>ca/</c> (the local CA). With a PostgreSQL
/// store (<c>--store</c> / <c>ROTOR_STORE</c>) the store is that database, shared by several instances.
/// </summary>
public sealed class RotorHost : IAsyncDisposable
{
    public const string DataEnvironmentVariable = "ROTOR_DATA";
    public const string StoreEnvironmentVariable = "ROTOR_STORE";
    public const string DefaultDataDirectory = "rotor-data";
    public const string WakeFileName = "wake";

    private RotorHost(string dataDirectory, IStore store, IKeyStore keys, LocalCa localCa, IssuerRegistry issuers,
        TargetRegistry targets, Reconciler reconciler, TimeProvider time, ILoggerFactory loggers, LeaseOwner owner)
    {
        _owner = owner;
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

    private readonly LeaseOwner _owner;

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

    /// <summary>Alerts and their outbox (the store's).</summary>
    public IAlertStore Alerts => (IAlertStore)Store;

    /// <summary>The channels of the stored notifiers, built on first use.</summary>
    public Alerts.NotifierRegistry Notifiers => _notifiers ??= new Alerts.NotifierRegistry(Store, Time);
    private Alerts.NotifierRegistry? _notifiers;

    /// <summary>API tokens of the operator API (stored hashed; creations and revocations are events).</summary>
    public Api.Auth.ApiTokens ApiTokens => _apiTokens ??= new Api.Auth.ApiTokens((IApiTokenStore)Store, Time) { Audit = Store };
    private Api.Auth.ApiTokens? _apiTokens;

    public Alerts.AlertEvaluator AlertEvaluator => new(Store, Alerts, Time);

    public Alerts.AlertDispatcher AlertDispatcher => new(Alerts, Notifiers, Time, Loggers.CreateLogger<Alerts.AlertDispatcher>());

    /// <summary>--data, else ROTOR_DATA, else ./rotor-data.</summary>
    public static string ResolveDataDirectory(string? option) =>
        Path.GetFullPath(option ?? Environment.GetEnvironmentVariable(DataEnvironmentVariable) ?? DefaultDataDirectory);

    /// <summary>
    /// Opens the data folder (checked by <see cref="DataFolder"/>: a damaged one is refused) and
    /// builds Rotor on it. With <see cref="DataFolderUse.CreateIfNew"/> a new folder is initialised.
    /// </summary>
    public static async Task<RotorHost> OpenAsync(string dataDirectory, TimeProvider time, ILoggerFactory loggers,
        ReconcilerOptions? options, CancellationToken cancellationToken, DataFolderUse use = DataFolderUse.CreateIfNew, string? rootName = null,
        Storage.Postgres.PostgresLocation? postgres = null)
    {
        var (store, master, created) = await DataFolder.OpenAsync(dataDirectory, use, time, cancellationToken, rootName, postgres);
        var owner = LeaseOwner.Create(dataDirectory);
        var keys = DataFolder.KeyStore(dataDirectory, store, master, time);
        var localCa = new LocalCa(dataDirectory, keys, time);
        var issuers = new IssuerRegistry(store, keys, localCa, time, loggers);
        // One probe for gates and reload checks; each probe names the roots it must build to.
        var histograms = new Telemetry.ProbeHistograms();
        var probe = new Probes.TlsProbe(new Probes.TlsProbeOptions(), time, loggers.CreateLogger<Probes.TlsProbe>(), histograms);
        var targets = new TargetRegistry(store, probe, time, loggers) { StateDirectory = Path.Combine(dataDirectory, "targets"), Keys = keys };
        var leases = new CertificateLeases(store, time, owner, loggers.CreateLogger<CertificateLeases>());
        var reconciler = new Reconciler(store, keys, issuers, targets, time, loggers.CreateLogger<Reconciler>(), options, probe, leases);
        return new RotorHost(dataDirectory, store, keys, localCa, issuers, targets, reconciler, time, loggers, owner)
        {
            Created = created, ProbeHistograms = histograms, Secrets = new SecretSealer(master),
        };
    }

    /// <summary>Handshake times and probe counts of this process, for /metrics.</summary>
    public Telemetry.ProbeHistograms ProbeHistograms { get; private init; } = new();

    /// <summary>Seals secrets Rotor keeps to verify with (the ACME server's EAB keys) under the master key.</summary>
    public SecretSealer Secrets { get; private init; } = null!;

    /// <summary>The ACME server's accounts, orders, EAB keys and issued certificates (the store's).</summary>
    public IAcmeServerStore AcmeServerStore => Store as IAcmeServerStore
        ?? throw new RotorException("the ACME server keeps its accounts and orders in a SQLite store only so far; serve it from a rotor with a SQLite data folder (no --store)", isTransient: false)
        { Reason = RotorReasons.InvalidInput };

    /// <summary>True when this open initialised the data folder.</summary>
    public bool Created { get; private init; }

    /// <summary>
    /// The key sweep (<see cref="Reconciler.SweepKeysAsync"/>), once per folder at a time: it runs under
    /// the data folder's lock; proof-of-life files of dead Rotor processes are removed with it.
    /// </summary>
    public async Task<(int Deleted, int Unknown)> SweepKeysAsync(CancellationToken cancellationToken)
    {
        using var folderLock = await FolderLock.AcquireAsync(DataDirectory, Time, TimeSpan.FromSeconds(60), cancellationToken);
        _owner.RemoveDeadOwners();
        return await Reconciler.SweepKeysAsync(cancellationToken);
    }

    /// <summary>Tells a running <c>rotor run</c> on the same data folder to look again now.</summary>
    public void Wake()
    {
        File.WriteAllText(WakeFile, Time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        Issuers.Dispose();
        _notifiers?.Dispose();
        await Store.DisposeAsync();
        _owner.Dispose();
    }
}
