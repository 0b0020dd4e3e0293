using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Rotor.Commands;
using Rotor.Core.Abstractions;
using Rotor.Core.Renewal;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;
using Rotor.Issuers;
using Rotor.Storage;
using Rotor.Targets;
using Rotor.Telemetry;

namespace Rotor.Scheduling;

/// <summary>
/// Brings each due certificate from its desired state (spec) to its actual state (an active,
/// validated version on every target). One pass looks only at certificates whose
/// <c>next_due_at</c> has come (an index lookup), works on each, and writes the next due time
/// back; a failure in one certificate never stops the others.
/// </summary>
public sealed partial class Reconciler(
    IStore store,
    IKeyStore keys,
    IssuerRegistry issuers,
    TargetRegistry targets,
    TimeProvider time,
    ILogger<Reconciler> logger,
    ReconcilerOptions? options = null,
    IProbe? probe = null,
    CertificateLeases? leases = null)
{
    private readonly ReconcilerOptions _options = options ?? new ReconcilerOptions();

    /// <summary>Every change to a certificate happens under its lease (DESIGN.md, Safety rules).</summary>
    public CertificateLeases Leases { get; } = leases ?? new CertificateLeases(store, time, LeaseOwner.Detached(), logger);

    public int BatchSize => _options.BatchSize;

    public async Task<PassResult> RunPassAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // A process on this folder that died holding leases hands its certificates back now.
        await Leases.ExpireDeadAsync(cancellationToken);
        var due = await store.ListDueAsync(time.GetUtcNow(), _options.BatchSize, cancellationToken);
        if (due.Count == 0)
        {
            return PassResult.Empty;
        }
        var failed = 0;
        var issued = 0;
        var deployed = 0;
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (name, ct) =>
            {
                var outcome = await ReconcileAsync(name, onlyIfDue: true, ct);
                if (outcome.Failed) Interlocked.Increment(ref failed);
                if (outcome.Issued) Interlocked.Increment(ref issued);
                if (outcome.Deployed) Interlocked.Increment(ref deployed);
            });
        Log.PassDone(logger, due.Count, failed, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new PassResult(due.Count, failed, issued, deployed);
    }

    /// <summary>Works on one certificate now, whatever its due time.</summary>
    public Task<(bool Failed, bool Issued, bool Deployed)> ReconcileAsync(string name, CancellationToken cancellationToken) =>
        ReconcileAsync(name, onlyIfDue: false, cancellationToken);

    /// <summary>
    /// Works on one certificate under its lease. A certificate another process holds is skipped
    /// (it is that process's work); with <paramref name="onlyIfDue"/>, one that is no longer due
    /// once the lease is held (another process just finished it) is left alone.
    /// </summary>
    private async Task<(bool Failed, bool Issued, bool Deployed)> ReconcileAsync(string name, bool onlyIfDue, CancellationToken cancellationToken)
    {
        // Instances sharing a store list the same due certificates; one another finished since the
        // list was read costs a read here, not a lease taken and given back. Checked again under the lease.
        if (onlyIfDue && await store.GetStatusAsync(name, cancellationToken) is { } seen && seen.NextDueAt > time.GetUtcNow())
        {
            return (false, false, false);
        }
        await using var held = await Leases.TryAcquireAsync(name, cancellationToken);
        if (held is null)
        {
            Log.LeaseBusy(logger, name);
            return (false, false, false);
        }
        using var scope = LeaseScope.Enter(held.Lease);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, held.Lost);
        var current = onlyIfDue ? await store.GetStatusAsync(name, cancellationToken) : null;
        if (current is not null && current.NextDueAt > time.GetUtcNow())
        {
            return (false, false, false);
        }
        try
        {
            // Read once under the lease: the spec worked on, and the generation an apply would change.
            var stored = await store.GetResourceAsync(ResourceKinds.Certificate, name, cancellationToken);
            var result = await ReconcileLeasedAsync(name, stored, current, work.Token);
            await DueAgainIfAppliedMeanwhileAsync(name, stored?.Generation, work.Token);
            return result;
        }
        catch (Exception e) when (e is LeaseLostException || (e is OperationCanceledException && held.Lost.IsCancellationRequested))
        {
            // Another instance has the certificate now; nothing of this attempt may be written.
            return (true, false, false);
        }
    }

    /// <summary>
    /// <c>rotor apply</c> does not wait for a certificate's lease: it stores the new spec and makes
    /// the certificate due now. A pass that was working on the old spec meanwhile then wrote its own
    /// next due time over that; this puts it back, so the change is worked on at once, not at renewal.
    /// </summary>
    private async Task DueAgainIfAppliedMeanwhileAsync(string name, long? generation, CancellationToken cancellationToken)
    {
        var current = await store.GetResourceAsync(ResourceKinds.Certificate, name, cancellationToken);
        if (current is null || current.Generation == generation) return;
        var now = time.GetUtcNow();
        if (await store.GetStatusAsync(name, cancellationToken) is { } status && status.NextDueAt > now)
        {
            await store.SaveStatusAsync(status with { NextDueAt = now }, cancellationToken);
        }
    }

    /// <summary>
    /// <paramref name="stored"/> and <paramref name="known"/> (the status, when already read) were
    /// read under this lease: no one else has written them since.
    /// </summary>
    private async Task<(bool Failed, bool Issued, bool Deployed)> ReconcileLeasedAsync(string name, StoredResource? stored, CertificateStatus? known,
        CancellationToken cancellationToken)
    {
        if (stored is null)
        {
            return (false, false, false);
        }
        var spec = SpecSerializer.SpecOf<CertificateSpec>(stored);
        await RemoveLeftoversAsync(name, spec, stored, cancellationToken);
        var status = known ?? await store.GetStatusAsync(name, cancellationToken) ?? new CertificateStatus { Name = name };
        var versions = await store.ListVersionsAsync(name, cancellationToken);
        var active = versions.LastOrDefault(v => v.State == VersionState.Active);
        var issued = false;
        try
        {
            // A version issued before a crash or a failed deploy is finished first, never issued again.
            var pending = versions.LastOrDefault(v => v.State == VersionState.Issued && (active is null || v.Id > active.Id));
            if (pending is null)
            {
                var facts = active is null ? null : SpecSerializer.DeserializeFacts(active.IssuedForJson, active.NotBefore, active.NotAfter);
                var reason = DueCheck.Evaluate(spec, facts, time.GetUtcNow(), status.RenewRequested, name);
                RenewalAdvice? advice = null;
                if (reason is DueReason.NotDue or DueReason.RenewalTime && active is not null)
                {
                    // The CA's renewal window (ARI) decides over the spec's own schedule when it has one.
                    advice = await AdviseAsync(spec, active, cancellationToken);
                    if (advice is not null)
                    {
                        reason = time.GetUtcNow() >= advice.RenewAt ? DueReason.RenewalTime : DueReason.NotDue;
                    }
                }
                // A key update the CA takes only in its window waits for it (never past expiry);
                // the certificate in service keeps being served meanwhile.
                var deferred = reason is DueReason.NotDue or DueReason.NoVersion or DueReason.Expired || status.RenewNow
                    ? null
                    : await DeferKeyUpdateAsync(name, spec, status, active!, reason, cancellationToken);
                if (reason == DueReason.NotDue || deferred is not null)
                {
                    // Targets added since the version went live get it now (through their gates);
                    // replaced versions drain; then sleep until renewal, a drain end or the next probe.
                    var served = (await store.ListRotationsAsync(active!.Id, cancellationToken))
                        .Where(r => r.State == RotationState.Promoted).Select(r => r.Target).ToHashSet(StringComparer.Ordinal);
                    RotationOutcome? outcome = null;
                    if (spec.Deploy.Any(b => !served.Contains(b.Target)))
                    {
                        outcome = await RotateAsync(spec, stored, active, null, alreadyActive: true, cancellationToken);
                    }
                    var drainAt = await DrainAsync(name, spec, stored, active, cancellationToken);
                    var wake = outcome?.Kind == RotationOutcomeKind.Waiting ? Earliest(outcome.WaitUntil, drainAt) : drainAt;
                    await ScheduleAsync(status, spec, active, advice, wake, deferred, cancellationToken);
                    return (false, false, outcome?.Kind == RotationOutcomeKind.Completed);
                }
                Log.Reconciling(logger, name, reason.ToString());
                status = await store.GetStatusAsync(name, cancellationToken) ?? status;
                pending = await IssueAsync(name, spec, stored, status, active, reason, cancellationToken);
                issued = true;
                await FaultPointAsync(FaultPoints.AfterIssue, name, cancellationToken);
            }
            var rotation = await RotateAsync(spec, stored, pending, active, alreadyActive: false, cancellationToken);
            switch (rotation.Kind)
            {
                case RotationOutcomeKind.Completed:
                    await ActivateAsync(name, spec, stored, pending, active, cancellationToken);
                    return (false, issued, true);
                case RotationOutcomeKind.Waiting:
                    var current = await store.GetStatusAsync(name, cancellationToken) ?? status;
                    var wakeAt = rotation.WaitUntil!.Value; // the engine always says when to come back
                    await store.SaveStatusAsync(current with { NextDueAt = wakeAt, LastFailure = null }, cancellationToken);
                    Log.RotationWaiting(logger, name, pending.Number, wakeAt, rotation.Reason ?? "");
                    return (false, issued, false);
                default:
                    await store.SetVersionStateAsync(pending.Id, VersionState.Failed, cancellationToken);
                    throw new RotorException($"version {pending.Number} was rolled back ({rotation.Reason}); the previous certificate stays in service", isTransient: true)
                    { Reason = RotorReasons.RolledBack };
            }
        }
        catch (Exception e) when (e is not LeaseLostException && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            await RecordFailureAsync(name, active, e, cancellationToken);
            return (true, issued, false);
        }
    }

    private async Task RecordFailureAsync(string name, CertificateVersion? active, Exception e, CancellationToken cancellationToken)
    {
        var status = await store.GetStatusAsync(name, cancellationToken) ?? new CertificateStatus { Name = name };
        var now = time.GetUtcNow();
        var failures = status.Failures + 1;
        var delay = _options.Backoff.NextDelay(failures, now, active?.NotAfter, _options.UnitRandom());
        if (e is RotorException { RetryAfter: { } retryAfter } && retryAfter > delay)
        {
            // The far end said when (ACME rateLimited): an earlier retry would only be refused again.
            delay = retryAfter;
        }
        var operational = e is RotorException ? null : OperationalError.Describe(e);
        var reason = e is RotorException re ? re.Reason : operational is not null ? "OperationalError" : "Failed";
        var message = e is RotorException ? e.Message : operational ?? $"{e.GetType().Name}: {e.Message}";
        await store.SaveStatusAsync(status with
        {
            Failures = failures,
            LastFailure = $"{reason}: {message}",
            NextDueAt = now + delay,
            Ready = active is not null && status.Ready,
        }, cancellationToken);
        await EventAsync(name, EventType.Warning, reason, $"{message} (attempt {failures}; next attempt in {DurationParser.Format(delay)})", cancellationToken);
        Log.ReconcileFailed(logger, name, reason, failures, now + delay, message);
        if (e is not RotorException && operational is null)
        {
            Log.ReconcileBug(logger, name, e);
        }
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private async Task ScheduleAsync(CertificateStatus status, CertificateSpec spec, CertificateVersion active, RenewalAdvice? advice, DateTimeOffset? wake,
        DateTimeOffset? deferredUntil, CancellationToken cancellationToken)
    {
        var renewal = advice?.RenewAt ?? RenewalSchedule.SpreadRenewalTime(spec, active.NotBefore, active.NotAfter, active.Certificate);
        // With ARI the CA may move the window: look again when it said to, or at renewal if sooner.
        // A renewal that waits for the key-update window comes back when the window opens.
        var next = deferredUntil ?? (advice is not null && advice.CheckAgainAt < renewal ? advice.CheckAgainAt : renewal);
        // A drain that ends or a rotation step that is due before that wakes the certificate sooner.
        if (wake is { } w && w < next) next = w;
        var current = await store.GetStatusAsync(status.Name, cancellationToken) ?? status;
        await store.SaveStatusAsync(current with
        {
            NextDueAt = next,
            RenewalAt = renewal,
            NotAfter = active.NotAfter,
            CurrentVersionId = active.Id,
            Failures = 0,
            LastFailure = null,
            Ready = true,
        }, cancellationToken);
    }

    /// <summary>
    /// When the issuer takes key updates only in a window and now is outside it: the time it
    /// opens (recorded once as an event). Null when the new version may be requested now.
    /// </summary>
    private async Task<DateTimeOffset?> DeferKeyUpdateAsync(string name, CertificateSpec spec, CertificateStatus status, CertificateVersion active,
        DueReason reason, CancellationToken cancellationToken)
    {
        var (issuer, _) = await issuers.GetAsync(spec.IssuerRef, cancellationToken);
        if (issuer is not IKeyUpdateIssuer keyUpdates) return null;
        using var leaf = LeafOf(active);
        if (keyUpdates.DeferKeyUpdate(spec, leaf, time.GetUtcNow()) is not { } deferral) return null;
        if (status.NextDueAt != deferral.Until)
        {
            Log.KeyUpdateDeferred(logger, name, reason.ToString(), deferral.Window, deferral.Until);
            await EventAsync(name, EventType.Normal, RotorReasons.KeyUpdateWaiting,
                $"key update due ({reason}) waits for the key-update window {deferral.Window}; next attempt at {deferral.Until:u} (rotor renew {name} --now does not wait)",
                cancellationToken);
        }
        return deferral.Until;
    }

    /// <summary>Asks the issuer for its renewal window; a CA that cannot answer leaves the spec's schedule in force.</summary>
    private async Task<RenewalAdvice?> AdviseAsync(CertificateSpec spec, CertificateVersion active, CancellationToken cancellationToken)
    {
        try
        {
            var (issuer, _) = await issuers.GetAsync(spec.IssuerRef, cancellationToken);
            if (issuer is not IRenewalAdvisor advisor) return null;
            using var leaf = LeafOf(active);
            return await advisor.GetRenewalAdviceAsync(leaf, cancellationToken);
        }
        catch (RotorException e)
        {
            Log.AdviceUnavailable(logger, active.Certificate, e.Message);
            return null;
        }
    }

    private Task EventAsync(string name, EventType type, string reason, string message, CancellationToken cancellationToken) =>
        store.AppendEventAsync(new EventRecord(0, time.GetUtcNow(), ResourceKinds.Certificate, name, type, reason, message), cancellationToken);

    private Task FaultPointAsync(string point, string name, CancellationToken cancellationToken) =>
        _options.FaultPoint?.Invoke(point, name, cancellationToken) ?? Task.CompletedTask;
}
