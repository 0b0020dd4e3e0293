using Rotor.Core.Resources;

namespace Rotor.Core.Rotation;

/// <summary>One wave: targets rotated together. Members of an HA group are always in the same wave.</summary>
public sealed record RotationWave(int Index, DeployRole Role, IReadOnlyList<DeployBinding> Members);

/// <summary>
/// Orders a certificate's targets: trust targets first (a peer must trust the new CA before any
/// leaf from it is presented), then the leaf targets; each role in waves of
/// <see cref="RotationSpec.WaveSize"/> units, where a unit is one target or one whole HA group.
/// The order inside a role is the order of the deploy list, so the user decides who goes first.
/// </summary>
public static class RotationPlanner
{
    public static IReadOnlyList<RotationWave> Plan(IReadOnlyList<DeployBinding> deploy, RotationSpec policy)
    {
        var waves = new List<RotationWave>();
        foreach (var role in new[] { DeployRole.Trust, DeployRole.Leaf })
        {
            var units = new List<List<DeployBinding>>();
            var groups = new Dictionary<string, List<DeployBinding>>(StringComparer.Ordinal);
            foreach (var binding in deploy.Where(b => b.Role == role))
            {
                if (binding.Group is { } g)
                {
                    if (!groups.TryGetValue(g, out var members))
                    {
                        members = [];
                        groups[g] = members;
                        units.Add(members);
                    }
                    members.Add(binding);
                }
                else
                {
                    units.Add([binding]);
                }
            }
            foreach (var chunk in units.Chunk(Math.Max(1, policy.WaveSize)))
            {
                waves.Add(new RotationWave(waves.Count, role, [.. chunk.SelectMany(u => u)]));
            }
        }
        return waves;
    }
}
