using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Core.Rotation;

/// <summary>
/// The certificate's targets that report health signals (<see cref="IHealthSignalTarget"/>), as
/// the gate of a leaf member sees them: the leaf is what a platform's trunk sees change. Trust
/// members are not gated on them (they change nothing that is presented).
/// </summary>
internal static class HealthSignals
{
    public static async Task<IReadOnlyList<IHealthSignalTarget>> SourcesAsync(RotationJob job, RotationMember member, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        if (member.Binding.Role != DeployRole.Leaf) return [];
        var sources = new List<IHealthSignalTarget>();
        foreach (var binding in job.Spec.Deploy)
        {
            if (await env.GetTargetAsync(binding.Target, cancellationToken) is IHealthSignalTarget { HasHealthSignals: true } source) sources.Add(source);
        }
        return sources;
    }

    public static async Task<IReadOnlyList<HealthSignal>> ReadAsync(RotationJob job, RotationMember member, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var signals = new List<HealthSignal>();
        foreach (var source in await SourcesAsync(job, member, env, cancellationToken))
        {
            signals.AddRange(await source.ReadHealthSignalsAsync(cancellationToken));
        }
        return signals;
    }
}
