using Rotor.Core.Abstractions;

namespace Rotor.Core.Rotation.Steps;

/// <summary>
/// RollingBack → Failed: the target puts back the files that were in service before this version
/// and reloads. Idempotent: restoring twice restores the same files.
/// </summary>
internal sealed class RollbackStep : IRotationStep
{
    public async Task<RotationRecord> RunAsync(RotationJob job, RotationMember member, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var target = await env.GetTargetAsync(member.Target, cancellationToken);
        var artifact = await env.GetArtifactAsync(job.VersionId, member.Binding, StageStep.TrustAlongside(job, member), cancellationToken);
        // What the target had before this version (a reload command is told which version that is).
        await target.RollbackAsync(artifact with { RestoresVersionNumber = job.PreviousVersionNumber }, cancellationToken);
        await env.EventAsync(EventType.Warning, RotorReasons.RolledBack, job.VersionId, member.Target,
            $"target {member.Target}: version {job.VersionNumber} removed, the previous certificate is in service again" +
            (member.Record.Detail is { } why ? $" ({why})" : ""), cancellationToken);
        return member.Record with { State = RotationState.Failed, UpdatedAt = env.Time.GetUtcNow(), Progress = member.Progress with { NextAt = null } };
    }
}
