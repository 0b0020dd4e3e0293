using Rotor.Core.Abstractions;

namespace Rotor.Core.Rotation.Steps;

/// <summary>
/// Staged → Deployed: the target swaps the staged files in and reloads (a target that cannot
/// make them take effect restores the old ones itself and throws). A transient failure leaves
/// the record Staged for the next attempt; any other failure rolls the version back.
/// </summary>
internal sealed class DeployStep : IRotationStep
{
    public async Task<RotationRecord> RunAsync(RotationJob job, RotationMember member, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var target = await env.GetTargetAsync(member.Target, cancellationToken);
        var artifact = await env.GetArtifactAsync(job.VersionId, member.Binding, StageStep.TrustAlongside(job, member), cancellationToken);
        var now = env.Time.GetUtcNow();
        try
        {
            await target.ActivateAsync(artifact, cancellationToken);
        }
        catch (RotorException e) when (!e.IsTransient)
        {
            return member.Record with
            {
                State = RotationState.RollingBack,
                Detail = $"{e.Reason}: {e.Message}",
                UpdatedAt = now,
            };
        }
        await env.EventAsync(EventType.Normal, RotorReasons.Deployed, job.VersionId, member.Target, $"version {job.VersionNumber} deployed to target {member.Target} (wave {member.Wave + 1})", cancellationToken);
        return member.Record with
        {
            State = RotationState.Deployed,
            Detail = null,
            UpdatedAt = now,
            Progress = member.Progress with { Attempts = member.Progress.Attempts + 1 },
        };
    }
}
