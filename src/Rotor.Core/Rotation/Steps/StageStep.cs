using Rotor.Core.Abstractions;
namespace Rotor.Core.Rotation.Steps;

/// <summary>(nothing yet) → Staged: the new files sit next to the live ones; service is untouched.</summary>
internal sealed class StageStep : IRotationStep
{
    public async Task<RotationRecord> RunAsync(RotationJob job, RotationMember member, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var target = await env.GetTargetAsync(member.Target, cancellationToken);
        var artifact = await env.GetArtifactAsync(job.VersionId, member.Binding, TrustAlongside(job, member), cancellationToken);
        await target.StageAsync(artifact, cancellationToken);
        return member.Record with { State = RotationState.Staged, Detail = $"wave {member.Wave + 1}", UpdatedAt = env.Time.GetUtcNow() };
    }

    /// <summary>A trust target keeps the previous version's CA until that version has drained.</summary>
    internal static IReadOnlyList<long> TrustAlongside(RotationJob job, RotationMember member) =>
        member.Binding.Role == Resources.DeployRole.Trust && job.PreviousVersionId is { } previous ? [previous] : [];
}
