using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;
using Rotor.Issuers;
using Rotor.Storage;
using Rotor.Targets;
using Rotor.Telemetry;
using Microsoft.Extensions.Logging;
using Rotor.Certificates;

namespace Rotor.Scheduling;

/// <summary>
/// The rotation engine's view of Rotor for one certificate: targets from the registry, artifacts
/// built from stored versions (the key leaves the key store only for leaf bindings), endpoints
/// from stored Endpoint resources, probes trusting the version's own roots, records and events
/// in the store.
/// </summary>
internal sealed class RotationEnvironment(
    string certificate,
    StoredResource stored,
    IStore store,
    IKeyStore keys,
    TargetRegistry targets,
    IProbe probe,
    TimeProvider time,
    Func<RotationRecord, CancellationToken, Task> afterSave,
    ILogger logger) : IRotationEnvironment
{
    private readonly Dictionary<long, (CertificateVersion Version, IReadOnlyList<X509Certificate2> Chain)> _versions = [];
    private readonly Dictionary<string, ITarget> _targets = new(StringComparer.Ordinal);

    public TimeProvider Time => time;

    /// <summary>Endpoint resource names of the probe targets handed out, so each probe's result is kept under its endpoint.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ProbeTarget, string> _endpointNames = new(ReferenceEqualityComparer.Instance);

    private RecordingProbe? _recording;

    /// <summary>The probe, keeping each result of a named endpoint in the store (for <c>rotor describe endpoint</c>).</summary>
    public IProbe Probe => _recording ??= new RecordingProbe(this);

    /// <summary>
    /// The version the current job's version replaced, if any: leaf artifacts carry a loader for
    /// it (<see cref="DeploymentArtifact.LoadPrevious"/>) for targets that cannot keep a copy.
    /// </summary>
    public long? PreviousVersionId { get; set; }

    /// <summary>Roots the probes of the current job verify against (the version's own CA).</summary>
    public IReadOnlyList<X509Certificate2> ProbeTrust { get; set; } = [];

    public async Task<ITarget> GetTargetAsync(string target, CancellationToken cancellationToken)
    {
        if (!_targets.TryGetValue(target, out var t))
        {
            t = await targets.GetAsync(target, cancellationToken);
            _targets[target] = t;
        }
        return t;
    }

    public async Task<(CertificateVersion Version, IReadOnlyList<X509Certificate2> Chain)> VersionAsync(long id, CancellationToken cancellationToken)
    {
        if (!_versions.TryGetValue(id, out var v))
        {
            var version = await store.GetVersionAsync(id, cancellationToken)
                ?? throw new RotorException($"the version with store id {id} of {certificate} is not in the store", isTransient: false) { Reason = RotorReasons.VersionMissing };
            v = (version, CertificatePem.ReadPemChain(version.ChainPem));
            _versions[id] = v;
        }
        return v;
    }

    public async Task<DeploymentArtifact> GetArtifactAsync(long versionId, DeployBinding binding, IReadOnlyList<long> alsoTrust, CancellationToken cancellationToken)
    {
        var (version, chain) = await VersionAsync(versionId, cancellationToken);
        var intermediates = chain.Skip(1).Take(version.IntermediateCount).ToList();
        var roots = chain.Skip(1 + version.IntermediateCount).ToList();
        // A key on a device never was in the key store: the artifact carries none.
        var onDevice = Keys.KeyRefs.IsOnDevice(version.KeyRef);
        var keyPem = binding.Role == DeployRole.Trust || onDevice ? "" : await keys.ExportPkcs8PemAsync(version.KeyRef, cancellationToken);
        var extra = new List<X509Certificate2>();
        foreach (var id in alsoTrust.Where(id => id != versionId))
        {
            var (_, otherChain) = await VersionAsync(id, cancellationToken);
            extra.AddRange(otherChain.Skip(1)); // every CA certificate above that leaf
        }
        return new DeploymentArtifact(certificate, version.Id, chain[0], intermediates, roots, keyPem, binding, SpecSerializer.BaseDirectory(stored))
        {
            AdditionalTrust = extra,
            VersionNumber = version.Number,
            KeyOnDevice = onDevice,
            // Loaded only if a target asks (a rollback on a device that cannot give back its key).
            LoadPrevious = binding.Role == DeployRole.Leaf && PreviousVersionId is { } previous && previous != versionId
                ? ct => PreviousArtifactAsync(previous, binding, ct)
                : null,
        };
    }

    private async Task<DeploymentArtifact?> PreviousArtifactAsync(long previous, DeployBinding binding, CancellationToken cancellationToken) =>
        await GetArtifactAsync(previous, binding, [], cancellationToken);

    public async Task<IReadOnlyList<ProbeTarget>> GetEndpointsAsync(DeployBinding binding, CancellationToken cancellationToken)
    {
        var list = new List<ProbeTarget>();
        foreach (var name in binding.Endpoints)
        {
            var resource = await store.GetResourceAsync(ResourceKinds.Endpoint, name, cancellationToken)
                ?? throw new RotorException($"Endpoint '{name}' (deploy entry of target {binding.Target}) does not exist", isTransient: false) { Reason = RotorReasons.EndpointNotFound };
            var e = SpecSerializer.SpecOf<EndpointSpec>(resource);
            var target = new ProbeTarget(e.Host, e.Port, e.Sni ?? (System.Net.IPAddress.TryParse(e.Host, out _) ? null : e.Host), e.Sip) { Trust = ProbeTrust };
            _endpointNames[target] = name;
            list.Add(target);
        }
        return list;
    }

    public async Task SaveAsync(RotationRecord record, CancellationToken cancellationToken)
    {
        await store.SaveRotationAsync(record, cancellationToken);
        await afterSave(record, cancellationToken);
    }

    public Task<IReadOnlyList<RotationRecord>> ListRecordsAsync(long versionId, CancellationToken cancellationToken) =>
        store.ListRotationsAsync(versionId, cancellationToken);

    public async Task EventAsync(EventType type, string reason, long versionId, string target, string message, CancellationToken cancellationToken)
    {
        // Logs show the version as people know it: its number within the certificate.
        var number = (await VersionAsync(versionId, cancellationToken)).Version.Number;
        if (reason == RotorReasons.Deployed) Log.Deployed(logger, certificate, number, target);
        else Log.RotationEvent(logger, type == EventType.Warning ? LogLevel.Warning : LogLevel.Information, certificate, number, target, reason, message);
        await store.AppendEventAsync(new EventRecord(0, time.GetUtcNow(), ResourceKinds.Certificate, certificate, type, reason, message), cancellationToken);
    }

    private sealed class RecordingProbe(RotationEnvironment env) : IProbe
    {
        public async Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
        {
            var result = await env.ProbeInner.ProbeAsync(target, cancellationToken);
            if (env._endpointNames.TryGetValue(target, out var name))
            {
                await env.RecordProbeAsync(name, result, cancellationToken);
            }
            return result;
        }
    }

    private IProbe ProbeInner => probe;

    /// <summary>
    /// Keeps the probe's result for the endpoint. What is kept is a report, not state the rotation
    /// depends on: a store that cannot take it is logged and the gate goes on with the result.
    /// </summary>
    private async Task RecordProbeAsync(string endpoint, ProbeResult result, CancellationToken cancellationToken)
    {
        try
        {
            await store.SaveEndpointProbeAsync(EndpointProbeRecord.From(endpoint, certificate, result, time.GetUtcNow()), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Probes.ProbeLog.EndpointProbeNotKept(logger, endpoint, e.Message);
        }
    }
}
