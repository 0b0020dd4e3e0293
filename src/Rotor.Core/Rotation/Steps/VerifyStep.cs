using Rotor.Core.Abstractions;
namespace Rotor.Core.Rotation.Steps;

/// <summary>
/// Deployed → Verifying: the health gate starts now. A binding with no endpoints (a file that a
/// program reads on its own schedule, a trust store) and no platform health signals
/// (<see cref="HealthSignals"/>) has nothing to probe and passes at once.
/// </summary>
internal sealed class VerifyStep : IRotationStep
{
    public async Task<RotationRecord> RunAsync(RotationJob job, RotationMember member, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var now = env.Time.GetUtcNow();
        var endpoints = await env.GetEndpointsAsync(member.Binding, cancellationToken);
        var signals = (await HealthSignals.SourcesAsync(job, member, env, cancellationToken)).Count;
        var gate = new GateTally { StartedAt = now, Passed = endpoints.Count == 0 && signals == 0 };
        return member.Record with
        {
            State = RotationState.Verifying,
            Detail = endpoints.Count == 0 && signals == 0 ? "no endpoints to probe"
                : $"gate over {endpoints.Count} endpoint(s)" + (signals > 0 ? $" and the health signals of {signals} target(s)" : ""),
            UpdatedAt = now,
            Progress = member.Progress with { Gate = gate, NextAt = now },
        };
    }
}
