using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;
using Rotor.Issuers;
using Rotor.Storage;
using Rotor.Telemetry;

namespace Rotor.Scheduling;

public sealed partial class Reconciler
{
    private readonly RotationEngine _engine = new();

    /// <summary>
    /// Advances <paramref name="version"/>'s rotation across the spec's targets (trust first, in
    /// waves, each through its health gate). <paramref name="previous"/> is the version it
    /// replaces; null when the version is already in service and only new targets need it.
    /// </summary>
    private async Task<RotationOutcome> RotateAsync(CertificateSpec spec, StoredResource stored, CertificateVersion version, CertificateVersion? previous,
        bool alreadyActive, CancellationToken cancellationToken)
    {
        var env = await EnvironmentAsync(version.Certificate, spec, stored, version, cancellationToken);
        env.PreviousVersionId = previous?.Id;
        var job = JobFor(spec, version, previous) with { AlreadyActive = alreadyActive };
        return await _engine.AdvanceAsync(job, env, cancellationToken);
    }

    /// <summary>The rotation engine's job for <paramref name="version"/>, which replaces <paramref name="previous"/> (if any).</summary>
    private static RotationJob JobFor(CertificateSpec spec, CertificateVersion version, CertificateVersion? previous) =>
        new(version.Certificate, version.Id, version.Sha256Fingerprint, spec, previous?.Id)
        {
            VersionNumber = version.Number,
            PreviousVersionNumber = previous?.Number,
        };

    /// <summary>
    /// Removes the temp files a killed deploy left in the working folders of this certificate's
    /// targets. Runs at the start of every pass on the certificate, under its lease, so no write of
    /// this certificate is under way; a target that cannot be built is left to the rotation to report.
    /// </summary>
    private async Task RemoveLeftoversAsync(string name, CertificateSpec spec, StoredResource stored, CancellationToken cancellationToken)
    {
        foreach (var binding in spec.Deploy)
        {
            ITarget target;
            try
            {
                target = await targets.GetAsync(binding.Target, cancellationToken);
            }
            catch (RotorException)
            {
                continue;
            }
            if (target is not ILeftoverSweepingTarget sweeping) continue;
            foreach (var path in sweeping.RemoveLeftovers(binding, SpecSerializer.BaseDirectory(stored)))
            {
                Log.LeftoverRemoved(logger, name, binding.Target, path);
            }
        }
    }

    private async Task<RotationEnvironment> EnvironmentAsync(string name, CertificateSpec spec, StoredResource stored, CertificateVersion version, CancellationToken cancellationToken)
    {
        var env = new RotationEnvironment(name, stored, store, keys, targets, probe ?? NoProbe.Instance, time,
            (record, ct) => FaultPointAsync(FaultPoints.Rotation(record.State), name, ct), logger);
        var (_, chain) = await env.VersionAsync(version.Id, cancellationToken);
        var trust = chain.Skip(1 + version.IntermediateCount).ToList();
        if (trust.Count == 0 && spec.Deploy.Any(d => d.Endpoints.Count > 0))
        {
            var (issuer, _) = await issuers.GetAsync(spec.IssuerRef, cancellationToken);
            trust = [.. await issuer.GetTrustAnchorsAsync(cancellationToken)];
        }
        env.ProbeTrust = trust;
        return env;
    }

    /// <summary>
    /// Drains the versions this certificate replaced: each target drops an old version once its
    /// overlap window has passed; a version gone from every target is retired (revoked first
    /// when the spec asks) and its key deleted. Returns when to look again, if ever.
    /// </summary>
    private async Task<DateTimeOffset?> DrainAsync(string name, CertificateSpec spec, StoredResource stored, CertificateVersion active, CancellationToken cancellationToken)
    {
        DateTimeOffset? next = null;
        foreach (var old in (await store.ListVersionsAsync(name, cancellationToken)).Where(v => v.State == VersionState.Superseded))
        {
            var env = await EnvironmentAsync(name, spec, stored, old, cancellationToken);
            var job = JobFor(spec, old, null);
            var (retired, at) = await _engine.DrainAsync(job, active.Id, env, cancellationToken);
            if (retired)
            {
                if (spec.Rotation.RevokeAfterDrain)
                {
                    await RevokeAsync(spec, old, cancellationToken);
                }
                await store.SetVersionStateAsync(old.Id, VersionState.Retired, cancellationToken);
                await EventAsync(name, EventType.Normal, RotorReasons.VersionRetired, $"version {old.Number} retired: its overlap window is over on every target", cancellationToken);
            }
            else if (at is { } t && (next is null || t < next))
            {
                next = t;
            }
        }
        await DeleteRetiredKeysAsync(name, cancellationToken);
        return next;
    }

    private async Task RevokeAsync(CertificateSpec spec, CertificateVersion old, CancellationToken cancellationToken)
    {
        try
        {
            var (issuer, _) = await issuers.GetAsync(spec.IssuerRef, cancellationToken);
            using var leaf = LeafOf(old);
            await issuer.RevokeAsync(leaf, cancellationToken);
        }
        catch (RotorException e)
        {
            // The version retires anyway: it expires on its own, and revocation is a courtesy.
            await EventAsync(old.Certificate, EventType.Warning, RotorReasons.RevokeFailed, $"version {old.Number} could not be revoked: {e.Message}", cancellationToken);
        }
    }

    /// <summary>
    /// The new version is in service everywhere: it becomes active; the one it replaced is
    /// superseded and drains through the overlap window (its targets started draining when each
    /// was promoted).
    /// </summary>
    private async Task ActivateAsync(string name, CertificateSpec spec, StoredResource stored, CertificateVersion version, CertificateVersion? previous, CancellationToken cancellationToken)
    {
        await store.SetVersionStateAsync(version.Id, VersionState.Active, cancellationToken);
        foreach (var old in await store.ListVersionsAsync(name, cancellationToken))
        {
            if (old.Id != version.Id && old.State == VersionState.Active)
            {
                await store.SetVersionStateAsync(old.Id, VersionState.Superseded, cancellationToken);
            }
        }
        var drainAt = await DrainAsync(name, spec, stored, version with { State = VersionState.Active }, cancellationToken);
        var status = await store.GetStatusAsync(name, cancellationToken) ?? new CertificateStatus { Name = name };
        var advice = await AdviseAsync(spec, version, cancellationToken);
        await ScheduleAsync(status, spec, version with { State = VersionState.Active }, advice, drainAt, null, cancellationToken);
        var renewal = (await store.GetStatusAsync(name, cancellationToken))!.RenewalAt!.Value;
        Log.Activated(logger, name, version.Number, renewal);
        await EventAsync(name, EventType.Normal, RotorReasons.Active,
            $"version {version.Number} is in service on every target; renewal at {renewal:u}" +
            (previous is null ? "" : $"; version {previous.Number} stays valid through the {DurationParser.Format(spec.Rotation.Overlap)} overlap"), cancellationToken);
    }

    /// <summary>
    /// Deletes the keys of this certificate's retired versions, unless a live version still uses
    /// one (rotationPolicy Never). Touches only this certificate's rows, so it stays cheap in a
    /// large fleet.
    /// </summary>
    private async Task DeleteRetiredKeysAsync(string name, CancellationToken cancellationToken)
    {
        var versions = await store.ListVersionsAsync(name, cancellationToken);
        var status = await store.GetStatusAsync(name, cancellationToken);
        var live = versions.Where(v => v.State is not (VersionState.Retired or VersionState.Failed)).Select(v => v.KeyRef).ToHashSet(StringComparer.Ordinal);
        if (status?.PendingKeyRef is { } pending) live.Add(pending);
        // A key kept on a device is not in the key store: nothing to delete.
        foreach (var keyRef in versions.Where(v => v.State == VersionState.Retired).Select(v => v.KeyRef).Distinct()
            .Where(k => !live.Contains(k) && !Keys.KeyRefs.IsOnDevice(k)))
        {
            await keys.DeleteAsync(keyRef, cancellationToken);
            await store.ForgetKeyIntentAsync(keyRef, name, cancellationToken);
        }
    }

    /// <summary>Stands in when Rotor was built without a probe: every probe fails, so a gate never passes blind.</summary>
    private sealed class NoProbe : IProbe
    {
        public static readonly NoProbe Instance = new();

        public Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken) =>
            Task.FromResult(new ProbeResult(target, false, null, [], false, null, TimeSpan.Zero, TimeSpan.Zero, null, "no probe is configured in this Rotor instance")
            { Failure = ProbeFailure.Handshake });
    }
}
