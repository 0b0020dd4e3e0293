using Rotor.Core.Abstractions;

namespace Rotor.Core.Rotation.Steps;

/// <summary>
/// Draining → Retired, once the overlap window has passed: the target drops what is left of the
/// old version (backups; a trust target drops the old CA by taking the current bundle alone).
/// Until then the old certificate stays valid and restorable for peers that cached it.
/// </summary>
internal sealed class DrainStep(long currentVersionId) : IRotationStep
{
    public async Task<RotationRecord> RunAsync(RotationJob job, RotationMember member, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var now = env.Time.GetUtcNow();
        if (member.Progress.DrainUntil is { } until && now < until)
        {
            return member.Record with { Progress = member.Progress with { NextAt = until } };
        }
        var target = await env.GetTargetAsync(member.Target, cancellationToken);
        var old = await env.GetArtifactAsync(job.VersionId, member.Binding, [], cancellationToken);
        if (member.Binding.Role == Resources.DeployRole.Trust)
        {
            var current = await env.GetArtifactAsync(currentVersionId, member.Binding, [], cancellationToken);
            await target.StageAsync(current, cancellationToken);
            await target.ActivateAsync(current, cancellationToken);
        }
        await target.RetireAsync(old, cancellationToken);
        await env.EventAsync(EventType.Normal, RotorReasons.Retired, job.VersionId, member.Target, $"target {member.Target}: version {job.VersionNumber} retired after its overlap window", cancellationToken);
        return member.Record with { State = RotationState.Retired, UpdatedAt = now, Detail = null, Progress = member.Progress with { NextAt = null } };
    }
}
