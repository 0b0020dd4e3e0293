using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Storage;

namespace Rotor.Targets;

/// <summary>Builds the <see cref="ITarget"/> for a stored Target.</summary>
public sealed class TargetRegistry(IStore store, IProbe probe, TimeProvider time, ILoggerFactory loggers)
{
    // One per host: reloads of a control socket never overlap, whichever target asks.
    private readonly ControlSocketGate _reloads = new(time);

    // One per process: certificates deploying to one file target at the same time share its reload.
    private readonly FileTargetReloads _fileReloads = new();

    /// <summary>Where targets keep what they need between passes (exec lineages, webhook deliveries): the data folder's <c>targets/</c>.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>For targets that send an earlier version again on rollback (a webhook with includePrivateKey).</summary>
    public IKeyStore? Keys { get; init; }

    // One connection pool for every AudioCodes device; each request sets its own timeout. No
    // cookies or redirects: credentials go only to the URL the target names.
    private static readonly HttpClient AudioCodesHttp = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<ITarget> GetAsync(string name, CancellationToken cancellationToken)
    {
        var stored = await store.GetResourceAsync(ResourceKinds.Target, name, cancellationToken)
            ?? throw new RotorException($"Target '{name}' does not exist", isTransient: false) { Reason = RotorReasons.TargetNotFound };
        var spec = SpecSerializer.SpecOf<TargetSpec>(stored);
        return spec.Kind switch
        {
            TargetKind.File => new FileTarget(name, spec.File!, SpecSerializer.BaseDirectory(stored), _fileReloads),
            TargetKind.Kamailio => new KamailioTarget(name, spec.Kamailio!, SpecSerializer.BaseDirectory(stored), probe, _reloads, time, loggers.CreateLogger<KamailioTarget>()),
            TargetKind.Exec => new ExecTarget(name, spec.Exec!, SpecSerializer.BaseDirectory(stored), StateDirectory, time, loggers.CreateLogger<ExecTarget>()),
            TargetKind.Webhook => new WebhookTarget(name, spec.Webhook!, SpecSerializer.BaseDirectory(stored), StateDirectory, store, Keys, time, loggers.CreateLogger<WebhookTarget>()),
            TargetKind.AudioCodes => new AudioCodesTarget(name, spec.AudioCodes!, SpecSerializer.BaseDirectory(stored), AudioCodesHttp, time, loggers.CreateLogger<AudioCodesTarget>()),
            TargetKind.GenesysCloud => new GenesysCloudTarget(name, spec.GenesysCloud!, SpecSerializer.BaseDirectory(stored), AudioCodesHttp, time, loggers.CreateLogger<GenesysCloudTarget>()),
            TargetKind.OracleSbc => new OracleSbcTarget(name, spec.OracleSbc!, SpecSerializer.BaseDirectory(stored), time, loggers.CreateLogger<OracleSbcTarget>()),
            _ => throw new RotorException($"Target '{name}' has an unsupported kind {spec.Kind}", isTransient: false),
        };
    }
}
