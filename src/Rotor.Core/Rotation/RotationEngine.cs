using Rotor.Core.Abstractions;
using Rotor.Core.Rotation.Steps;

namespace Rotor.Core.Rotation;

public enum RotationOutcomeKind
{
    /// <summary>Every target serves the version and passed its gate.</summary>
    Completed,

    /// <summary>Nothing more to do before <see cref="RotationOutcome.WaitUntil"/> (stagger, next probe, an HA member).</summary>
    Waiting,

    /// <summary>A target failed; every target that had the version is back on the previous one.</summary>
    RolledBack,
}

public sealed record RotationOutcome(RotationOutcomeKind Kind, DateTimeOffset? WaitUntil = null, string? Reason = null);

/// <summary>
/// Drives one version through its targets, wave by wave (<see cref="RotationPlanner"/>), one
/// state step at a time, persisting each record before the next step so a restart resumes where
/// it stopped. Members of an HA group are promoted only together, once each passed its gate. A
/// failure rolls back every target that had the version; a transient error on one target (a
/// reload the server refused, a server that is down) is retried later without disturbing the
/// others.
/// </summary>
public sealed class RotationEngine
{
    private static readonly StageStep Stage = new();
    private static readonly DeployStep Deploy = new();
    private static readonly VerifyStep Verify = new();
    private static readonly GateStep Gate = new();
    private static readonly RollbackStep Rollback = new();

    /// <summary>Upper bound on steps per target per call, so a misbehaving step cannot spin.</summary>
    private const int MaxStepsPerCall = 16;

    public async Task<RotationOutcome> AdvanceAsync(RotationJob job, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var plan = RotationPlanner.Plan(job.Spec.Deploy, job.Spec.Rotation);
        var records = (await env.ListRecordsAsync(job.VersionId, cancellationToken)).ToDictionary(r => r.Target, StringComparer.Ordinal);
        // The replaced version's records, read once: promotions start their drains, a rollback reinstates them.
        var previous = job.PreviousVersionId is { } p
            ? (await env.ListRecordsAsync(p, cancellationToken)).ToDictionary(r => r.Target, StringComparer.Ordinal)
            : [];
        if (!job.AlreadyActive && records.Values.Any(r => r.State is RotationState.RollingBack or RotationState.Failed))
        {
            return await RollBackAllAsync(job, plan, records, previous, env, cancellationToken);
        }

        DateTimeOffset? previousWaveDone = null;
        foreach (var wave in plan)
        {
            var members = wave.Members.Select(b => Member(job, b, records, wave.Index, env)).ToList();
            foreach (var m in members.Where(m => m.State == RotationState.Promoted))
            {
                // Idempotent: finishes a promotion that a crash interrupted before the old version started draining.
                await StartDrainAsync(job, m.Target, m.Progress.PromotedAt ?? env.Time.GetUtcNow(), previous, env, cancellationToken);
            }
            if (members.All(m => m.State is RotationState.Promoted || (job.AlreadyActive && m.State is RotationState.Failed)))
            {
                previousWaveDone = members.Max(m => m.Progress.PromotedAt) ?? previousWaveDone;
                continue;
            }
            var now = env.Time.GetUtcNow();
            var notStarted = members.All(m => !m.Started);
            if (notStarted && previousWaveDone is { } done && now < done + job.Spec.Rotation.Stagger)
            {
                return new RotationOutcome(RotationOutcomeKind.Waiting, done + job.Spec.Rotation.Stagger, $"stagger before wave {wave.Index + 1}");
            }

            RotorException? transient = null;
            for (var i = 0; i < members.Count; i++)
            {
                try
                {
                    members[i] = await RunMemberAsync(job, members[i], env, cancellationToken);
                    records[members[i].Target] = members[i].Record;
                }
                catch (RotorException e) when (e.IsTransient)
                {
                    transient ??= new RotorException($"target {members[i].Target}: {e.Message}", isTransient: true, e) { Reason = e.Reason, RetryAfter = e.RetryAfter };
                }
                if (members[i].State == RotationState.RollingBack)
                {
                    if (job.AlreadyActive)
                    {
                        members[i] = await StepAsync(Rollback, job, members[i], env, cancellationToken);
                        continue;
                    }
                    return await RollBackAllAsync(job, plan, records, previous, env, cancellationToken);
                }
            }

            await PromoteReadyUnitsAsync(job, members, records, previous, env, cancellationToken);
            if (transient is not null) throw transient;
            if (members.All(m => m.State is RotationState.Promoted || (job.AlreadyActive && m.State is RotationState.Failed)))
            {
                previousWaveDone = env.Time.GetUtcNow();
                continue;
            }
            var next = members.Where(m => m.State is not RotationState.Promoted).Select(m => m.Progress.NextAt).Where(t => t is not null).Min()
                ?? env.Time.GetUtcNow() + GateStep.UnreachableRetry;
            return new RotationOutcome(RotationOutcomeKind.Waiting, next, $"wave {wave.Index + 1} in progress");
        }
        return new RotationOutcome(RotationOutcomeKind.Completed);
    }

    private static RotationMember Member(RotationJob job, Resources.DeployBinding binding, Dictionary<string, RotationRecord> records, int wave, IRotationEnvironment env) =>
        new(binding, records.TryGetValue(binding.Target, out var r)
            ? r
            : new RotationRecord(job.VersionId, binding.Target, RotationState.Staged, null, env.Time.GetUtcNow()) { Progress = new RotationProgress { Wave = wave } },
            wave)
        { Started = records.ContainsKey(binding.Target) };

    /// <summary>Runs this member's steps until it must wait (next probe, its group) or is done.</summary>
    private static async Task<RotationMember> RunMemberAsync(RotationJob job, RotationMember member, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        for (var i = 0; i < MaxStepsPerCall; i++)
        {
            var now = env.Time.GetUtcNow();
            IRotationStep? step = member.State switch
            {
                _ when !member.Started => Stage,
                RotationState.Staged => Deploy,
                RotationState.Deployed => Verify,
                RotationState.Verifying when !member.Progress.Gate.Passed && (member.Progress.NextAt is not { } at || at <= now) => Gate,
                _ => null,
            };
            if (step is null) return member;
            member = await StepAsync(step, job, member, env, cancellationToken);
        }
        return member;
    }

    private static async Task<RotationMember> StepAsync(IRotationStep step, RotationJob job, RotationMember member, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var record = await step.RunAsync(job, member, env, cancellationToken);
        await env.SaveAsync(record, cancellationToken);
        return member with { Record = record, Started = true };
    }

    /// <summary>
    /// A unit (one target, or every member of an HA group in this wave) is promoted when all its
    /// members passed their gates; then the previous version starts draining on those targets.
    /// </summary>
    private static async Task PromoteReadyUnitsAsync(RotationJob job, List<RotationMember> members, Dictionary<string, RotationRecord> records,
        Dictionary<string, RotationRecord> previous, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        foreach (var unit in members.GroupBy(m => m.Binding.Group ?? "\0" + m.Target))
        {
            var pending = unit.Where(m => m.State == RotationState.Verifying).ToList();
            if (pending.Count == 0) continue;
            if (!unit.All(m => m.State == RotationState.Promoted || (m.State == RotationState.Verifying && m.Progress.Gate.Passed)))
            {
                continue;
            }
            var now = env.Time.GetUtcNow();
            foreach (var m in pending)
            {
                var promoted = m.Record with
                {
                    State = RotationState.Promoted,
                    UpdatedAt = now,
                    Detail = null,
                    Progress = m.Progress with { PromotedAt = now, NextAt = null },
                };
                await env.SaveAsync(promoted, cancellationToken);
                records[m.Target] = promoted;
                members[members.IndexOf(m)] = m with { Record = promoted };
                await StartDrainAsync(job, m.Target, now, previous, env, cancellationToken);
                await env.EventAsync(EventType.Normal, RotorReasons.Promoted, job.VersionId, m.Target,
                    $"target {m.Target}: version {job.VersionNumber} promoted (wave {m.Wave + 1}" + (m.Binding.Group is { } g ? $", group {g}" : "") + ")", cancellationToken);
            }
        }
    }

    /// <summary>The version this one replaces stops being the promoted one on the target and drains through the overlap window.</summary>
    private static async Task StartDrainAsync(RotationJob job, string target, DateTimeOffset now, Dictionary<string, RotationRecord> previous,
        IRotationEnvironment env, CancellationToken cancellationToken)
    {
        if (!previous.TryGetValue(target, out var old) || old.State != RotationState.Promoted) return;
        var until = now + job.Spec.Rotation.Overlap;
        var draining = old with
        {
            State = RotationState.Draining,
            UpdatedAt = now,
            Detail = $"overlap until {until:u}",
            Progress = old.Progress with { DrainUntil = until, NextAt = until },
        };
        await env.SaveAsync(draining, cancellationToken);
        previous[target] = draining;
    }

    /// <summary>
    /// Every target that had this version goes back to the previous one (which is promoted there
    /// again if it had started draining); targets that only had it staged just drop it.
    /// </summary>
    private static async Task<RotationOutcome> RollBackAllAsync(RotationJob job, IReadOnlyList<RotationWave> plan, Dictionary<string, RotationRecord> records,
        Dictionary<string, RotationRecord> previous, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var reason = records.Values.Where(r => r.State is RotationState.RollingBack or RotationState.Failed).Select(r => $"{r.Target}: {r.Detail}").FirstOrDefault()
            ?? "a target failed";
        foreach (var binding in plan.SelectMany(w => w.Members).Reverse())
        {
            if (!records.TryGetValue(binding.Target, out var record) || record.State is RotationState.Failed or RotationState.Retired) continue;
            var member = new RotationMember(binding, record, record.Progress.Wave);
            if (record.State == RotationState.Staged && !await ServesAsync(job, member, env, cancellationToken))
            {
                // Never activated here: nothing to put back.
                await env.SaveAsync(record with { State = RotationState.Failed, UpdatedAt = env.Time.GetUtcNow(), Detail = "not deployed; version rolled back elsewhere" }, cancellationToken);
                continue;
            }
            if (record.State != RotationState.RollingBack)
            {
                member = member with { Record = record with { State = RotationState.RollingBack, UpdatedAt = env.Time.GetUtcNow() } };
                await env.SaveAsync(member.Record, cancellationToken);
            }
            await StepAsync(Rollback, job, member, env, cancellationToken);
            await ReinstatePreviousAsync(binding.Target, previous, env, cancellationToken);
        }
        return new RotationOutcome(RotationOutcomeKind.RolledBack, Reason: reason);
    }

    private static async Task<bool> ServesAsync(RotationJob job, RotationMember member, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var target = await env.GetTargetAsync(member.Target, cancellationToken);
        var artifact = await env.GetArtifactAsync(job.VersionId, member.Binding, [], cancellationToken);
        var inspection = await target.InspectAsync(artifact, cancellationToken);
        return string.Equals(inspection.Sha256Fingerprint, job.Sha256Fingerprint, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task ReinstatePreviousAsync(string target, Dictionary<string, RotationRecord> previous, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        if (!previous.TryGetValue(target, out var old) || old.State != RotationState.Draining) return;
        await env.SaveAsync(old with { State = RotationState.Promoted, UpdatedAt = env.Time.GetUtcNow(), Detail = "reinstated by rollback", Progress = old.Progress with { DrainUntil = null, NextAt = null } }, cancellationToken);
    }

    /// <summary>
    /// A user's rollback of a rotation in progress: every target the version reached is marked
    /// rolling back, then rolled back as a failed gate would be.
    /// </summary>
    public async Task<RotationOutcome> RollBackOnRequestAsync(RotationJob job, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        foreach (var r in await env.ListRecordsAsync(job.VersionId, cancellationToken))
        {
            if (r.State is not (RotationState.Failed or RotationState.Retired))
            {
                await env.SaveAsync(r with { State = RotationState.RollingBack, Detail = "rollback requested by the user", UpdatedAt = env.Time.GetUtcNow() }, cancellationToken);
            }
        }
        return await AdvanceAsync(job, env, cancellationToken);
    }

    /// <summary>
    /// A user's return from the version in service (<paramref name="job"/>) to the one it replaced
    /// (<c>job.PreviousVersionId</c>), after every target put the previous files back: the current
    /// version's targets are failed, the previous version's draining targets promoted again.
    /// </summary>
    public async Task ReturnToPreviousAsync(RotationJob job, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var now = env.Time.GetUtcNow();
        foreach (var r in await env.ListRecordsAsync(job.VersionId, cancellationToken))
        {
            await env.SaveAsync(r with { State = RotationState.Failed, Detail = "rolled back by the user", UpdatedAt = now }, cancellationToken);
        }
        if (job.PreviousVersionId is not { } previousId) return;
        var previous = (await env.ListRecordsAsync(previousId, cancellationToken)).ToDictionary(r => r.Target, StringComparer.Ordinal);
        foreach (var target in previous.Keys.ToList())
        {
            await ReinstatePreviousAsync(target, previous, env, cancellationToken);
        }
    }

    /// <summary>Advances the drains of a version that was replaced; true when every target has retired it.</summary>
    public async Task<(bool Retired, DateTimeOffset? NextAt)> DrainAsync(RotationJob job, long currentVersionId, IRotationEnvironment env, CancellationToken cancellationToken)
    {
        var step = new DrainStep(currentVersionId);
        DateTimeOffset? next = null;
        var all = true;
        foreach (var record in await env.ListRecordsAsync(job.VersionId, cancellationToken))
        {
            if (record.State is RotationState.Retired or RotationState.Failed) continue;
            if (record.State != RotationState.Draining)
            {
                all = false; // still promoted somewhere (the new version has not reached that target yet)
                continue;
            }
            var binding = job.Spec.Deploy.FirstOrDefault(b => b.Target == record.Target) ?? new Resources.DeployBinding(record.Target, null, []);
            var member = await StepAsync(step, job, new RotationMember(binding, record, record.Progress.Wave), env, cancellationToken);
            if (member.State != RotationState.Retired)
            {
                all = false;
                if (member.Progress.NextAt is { } at && (next is null || at < next)) next = at;
            }
        }
        return (all, next);
    }
}
