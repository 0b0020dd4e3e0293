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
    /// <summary>
    /// Puts <paramref name="version"/> on every target of the spec that does not have it yet,
    /// one target at a time, recording each step. Returns whether anything was deployed.
    /// A failing target stops the version here (the old one stays in service there) and throws.
    /// </summary>
    private async Task<bool> DeployAsync(CertificateSpec spec, StoredResource stored, CertificateVersion version, CancellationToken cancellationToken)
    {
        var done = (await store.ListRotationsAsync(version.Id, cancellationToken))
            .Where(r => r.State == RotationState.Promoted).Select(r => r.Target).ToHashSet(StringComparer.Ordinal);
        var todo = spec.Deploy.Where(b => !done.Contains(b.Target)).ToList();
        if (todo.Count == 0) return false;

        var chain = CertificateBuilder.ReadPemChain(version.ChainPem);
        var leaf = chain[0];
        var intermediates = chain.Skip(1).Take(version.IntermediateCount).ToList();
        var roots = chain.Skip(1 + version.IntermediateCount).ToList();
        var keyPem = await keys.ExportPkcs8PemAsync(version.KeyRef, cancellationToken);
        foreach (var binding in todo)
        {
            var artifact = new DeploymentArtifact(version.Certificate, version.Id, leaf, intermediates, roots, keyPem, binding,
                SpecSerializer.BaseDirectory(stored));
            try
            {
                var target = await targets.GetAsync(binding.Target, cancellationToken);
                await target.StageAsync(artifact, cancellationToken);
                await SaveRotationAsync(version.Id, binding.Target, RotationState.Staged, null, cancellationToken);
                await target.ActivateAsync(artifact, cancellationToken);
                await SaveRotationAsync(version.Id, binding.Target, RotationState.Deployed, null, cancellationToken);
                // Health gates arrive with the rotation work; a deployed file target is promoted at once.
                await SaveRotationAsync(version.Id, binding.Target, RotationState.Promoted, null, cancellationToken);
                Log.Deployed(logger, version.Certificate, version.Id, binding.Target);
                await EventAsync(version.Certificate, EventType.Normal, "Deployed", $"version {version.Id} deployed to target {binding.Target}", cancellationToken);
            }
            catch (RotorException e)
            {
                await SaveRotationAsync(version.Id, binding.Target, RotationState.Failed, $"{e.Reason}: {e.Message}", cancellationToken);
                Log.DeployFailed(logger, version.Certificate, version.Id, binding.Target, e.Reason, e.Message);
                throw new RotorException($"target {binding.Target}: {e.Message}; the previous certificate stays in service there", e.IsTransient, e)
                { Reason = e.Reason };
            }
        }
        return true;
    }

    private Task SaveRotationAsync(long versionId, string target, RotationState state, string? detail, CancellationToken cancellationToken) =>
        store.SaveRotationAsync(new RotationRecord(versionId, target, state, detail, time.GetUtcNow()), cancellationToken);

    /// <summary>The new version is in service everywhere: it becomes active, the old one is superseded, older ones retire.</summary>
    private async Task ActivateAsync(string name, CertificateSpec spec, CertificateVersion version, CertificateVersion? previous, CancellationToken cancellationToken)
    {
        await store.SetVersionStateAsync(version.Id, VersionState.Active, cancellationToken);
        foreach (var old in await store.ListVersionsAsync(name, cancellationToken))
        {
            if (old.Id == version.Id) continue;
            if (old.Id == previous?.Id && old.State == VersionState.Active)
            {
                // Kept through the overlap window for peers that cached it, and for rollback.
                await store.SetVersionStateAsync(old.Id, VersionState.Superseded, cancellationToken);
            }
            else if (old.State is VersionState.Superseded or VersionState.Active)
            {
                await store.SetVersionStateAsync(old.Id, VersionState.Retired, cancellationToken);
            }
        }
        await DeleteRetiredKeysAsync(name, cancellationToken);
        var status = await store.GetStatusAsync(name, cancellationToken) ?? new CertificateStatus { Name = name };
        var advice = await AdviseAsync(spec, version, cancellationToken);
        await ScheduleAsync(status, spec, version with { State = VersionState.Active }, advice, cancellationToken);
        var renewal = (await store.GetStatusAsync(name, cancellationToken))!.RenewalAt!.Value;
        Log.Activated(logger, name, version.Id, renewal);
        await EventAsync(name, EventType.Normal, "Active", $"version {version.Id} is in service on every target; renewal at {renewal:u}", cancellationToken);
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
        foreach (var keyRef in versions.Where(v => v.State == VersionState.Retired).Select(v => v.KeyRef).Distinct().Where(k => !live.Contains(k)))
        {
            await keys.DeleteAsync(keyRef, cancellationToken);
        }
    }

    /// <summary>Deletes keys that no version or pending issuance refers to (a safety net run at start-up).</summary>
    public async Task<int> SweepKeysAsync(CancellationToken cancellationToken)
    {
        var files = (await keys.ListAsync(cancellationToken))
            .Where(k => k is not LocalCa.RootKeyRef and not LocalCa.IntermediateKeyRef && !k.StartsWith("account-", StringComparison.Ordinal))
            .ToList();
        if (files.Count == 0) return 0;
        var referenced = await store.ListReferencedKeysAsync(cancellationToken);
        var deleted = 0;
        foreach (var keyRef in files.Where(k => !referenced.Contains(k)))
        {
            await keys.DeleteAsync(keyRef, cancellationToken);
            Log.StrayKeyDeleted(logger, keyRef);
            deleted++;
        }
        return deleted;
    }
}
