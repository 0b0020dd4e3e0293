using Rotor.Core.Abstractions;

namespace Rotor.Core.Rotation.Steps;

/// <summary>
/// Verifying: one round of probes (every endpoint of the binding once), counted into the tally;
/// the next round is due one interval later. The gate passes, rolls back, or, when nothing
/// answers at all, holds and alerts (a stopped server says nothing about the certificate).
/// </summary>
internal sealed class GateStep : IRotationStep
{
    internal static readonly TimeSpan AlertInterval = TimeSpan.FromMinutes(5);
    internal static readonly TimeSpan UnreachableRetry = TimeSpan.FromSeconds(10);

    public async Task<RotationRecord> RunAsync(RotationJob job, RotationMember member, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var gate = job.Spec.Rotation.HealthGate;
        var endpoints = await env.GetEndpointsAsync(member.Binding, cancellationToken);
        var round = await Task.WhenAll(endpoints.Select(e => env.Probe.ProbeAsync(e, cancellationToken)));
        var now = env.Time.GetUtcNow();
        // Platform signals (a trunk's state) count beside the probes, one reading per source per round.
        var signals = await HealthSignals.ReadAsync(job, member, env, cancellationToken);
        var tally = HealthGate.CountSignals(HealthGate.Count(member.Progress.Gate, round, job.Sha256Fingerprint), signals);
        var allUnreachable = round.Length > 0 && round.All(r => !r.Success && r.Failure == ProbeFailure.Connect);
        var verdict = HealthGate.Decide(tally, gate, endpoints.Count + signals.Count, allUnreachable, now);
        var progress = member.Progress with { Gate = tally, NextAt = now + HealthGate.Interval(gate) };
        switch (verdict)
        {
            case GateVerdict.Pass:
                await env.EventAsync(EventType.Normal, RotorReasons.GatePassed, job.VersionId, member.Target, $"target {member.Target}: {tally.Describe()}", cancellationToken);
                return member.Record with { UpdatedAt = now, Detail = "gate passed", Progress = progress with { Gate = tally with { Passed = true }, NextAt = null } };
            case GateVerdict.RollBack:
                await env.EventAsync(EventType.Warning, RotorReasons.GateFailed, job.VersionId, member.Target,
                    $"target {member.Target}: {tally.Describe()}; required {Pct(gate.SuccessRate)} %, rollback below {Pct(gate.RollbackBelow)} %", cancellationToken);
                return member.Record with { State = RotationState.RollingBack, UpdatedAt = now, Detail = $"GateFailed: {tally.Describe()}", Progress = progress };
            case GateVerdict.Unreachable:
                if (member.Progress.LastAlertAt is not { } last || now - last >= AlertInterval)
                {
                    await env.EventAsync(EventType.Warning, RotorReasons.EndpointUnreachable, job.VersionId, member.Target,
                        $"target {member.Target}: no endpoint answers ({tally.LastError}); the rotation waits, the previous version is kept", cancellationToken);
                    progress = progress with { LastAlertAt = now };
                }
                return member.Record with { UpdatedAt = now, Detail = "waiting: endpoint unreachable", Progress = progress with { NextAt = now + UnreachableRetry } };
            default:
                if (HealthGate.IsInconclusive(tally, gate, now))
                {
                    await env.EventAsync(EventType.Warning, RotorReasons.GateInconclusive, job.VersionId, member.Target,
                        $"target {member.Target}: {tally.Describe()} is between {Pct(gate.RollbackBelow)} % and {Pct(gate.SuccessRate)} %; probing one more window", cancellationToken);
                    progress = progress with { Gate = tally with { Windows = 2 } };
                }
                return member.Record with { UpdatedAt = now, Detail = $"gate: {tally.Successes}/{tally.Probes} ok", Progress = progress };
        }
    }

    private static string Pct(double v) => v.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
