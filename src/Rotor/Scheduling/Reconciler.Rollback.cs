using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;
using Rotor.Storage;

namespace Rotor.Scheduling;

public sealed partial class Reconciler
{
    /// <summary>
    /// A user's rollback (<c>rotor rollback NAME</c>). A rotation still in progress is rolled back
    /// everywhere it reached; otherwise the version in service gives way to the one it replaced,
    /// provided that one is still in its overlap window (valid, with its key and backup files).
    /// Returns what was done, for the user. Runs under the certificate's lease
    /// (<see cref="Commands.CertificateCommands.RollbackAsync"/>); rotation states change only
    /// through the <see cref="RotationEngine"/>.
    /// </summary>
    public async Task<string> RollbackAsync(string name, CancellationToken cancellationToken)
    {
        var stored = await store.GetResourceAsync(ResourceKinds.Certificate, name, cancellationToken)
            ?? throw new RotorException($"certificate '{name}' not found", isTransient: false) { Reason = RotorReasons.NotFound };
        var spec = SpecSerializer.SpecOf<CertificateSpec>(stored);
        var versions = await store.ListVersionsAsync(name, cancellationToken);
        var active = versions.LastOrDefault(v => v.State == VersionState.Active);
        var pending = versions.LastOrDefault(v => v.State == VersionState.Issued && (active is null || v.Id > active.Id));

        if (pending is not null)
        {
            var rollbackEnv = await EnvironmentAsync(name, spec, stored, pending, cancellationToken);
            rollbackEnv.PreviousVersionId = active?.Id;
            var outcome = await _engine.RollBackOnRequestAsync(JobFor(spec, pending, active), rollbackEnv, cancellationToken);
            await store.SetVersionStateAsync(pending.Id, VersionState.Failed, cancellationToken);
            await EventAsync(name, EventType.Warning, RotorReasons.RollbackRequested, $"rotation of version {pending.Number} rolled back by the user ({outcome.Kind})", cancellationToken);
            return $"rotation of version {pending.Number} rolled back; " +
                (active is null ? "no version is in service" : $"version {active.Number} stays in service");
        }

        var previous = versions.LastOrDefault(v => v.State == VersionState.Superseded && (active is null || v.Id < active.Id));
        if (active is null || previous is null)
        {
            throw new RotorException($"certificate '{name}' has no earlier version within its overlap window to roll back to", isTransient: false) { Reason = RotorReasons.NothingToRollBack };
        }
        var env = await EnvironmentAsync(name, spec, stored, active, cancellationToken);
        env.PreviousVersionId = previous.Id;
        foreach (var binding in spec.Deploy)
        {
            var target = await targets.GetAsync(binding.Target, cancellationToken);
            // The target kept the files that were live before this version: exactly the previous version's.
            var artifact = await env.GetArtifactAsync(active.Id, binding, [], cancellationToken);
            await target.RollbackAsync(artifact with { RestoresVersionNumber = previous.Number }, cancellationToken);
        }
        await _engine.ReturnToPreviousAsync(JobFor(spec, active, previous), env, cancellationToken);
        await store.SetVersionStateAsync(active.Id, VersionState.Failed, cancellationToken);
        await store.SetVersionStateAsync(previous.Id, VersionState.Active, cancellationToken);
        var status = await store.GetStatusAsync(name, cancellationToken) ?? new CertificateStatus { Name = name };
        await ScheduleAsync(status, spec, previous with { State = VersionState.Active }, null, null, null, cancellationToken);
        await EventAsync(name, EventType.Warning, RotorReasons.RolledBack, $"version {active.Number} rolled back by the user; version {previous.Number} is in service again", cancellationToken);
        return $"version {active.Number} rolled back; version {previous.Number} is in service again";
    }
}
