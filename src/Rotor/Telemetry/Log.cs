using Microsoft.Extensions.Logging;

namespace Rotor.Telemetry;

/// <summary>
/// Rotor's log messages with fixed event ids per area: 3000s targets, 5000s reconcile and
/// rotation, 6000s issuance and keys, 7000s service. Arguments are names, counts and reasons;
/// never key material or secret values.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(RotorEventIds.KamailioReloadAttemptFailed, LogLevel.Warning, "Kamailio target {Target}: reload attempt {Attempt} of {Attempts} failed ({Reason}): {Message}")]
    public static partial void KamailioReloadAttemptFailed(ILogger logger, string target, int attempt, int attempts, string reason, string message);

    [LoggerMessage(RotorEventIds.Deployed, LogLevel.Information, "Deployed {Certificate} version {Version} to target {Target}")]
    public static partial void Deployed(ILogger logger, string certificate, long version, string target);

    [LoggerMessage(RotorEventIds.LeftoverRemoved, LogLevel.Information, "{Certificate}: removed {Path} from the working folder of target {Target}, a temp file a deploy that did not finish left behind")]
    public static partial void LeftoverRemoved(ILogger logger, string certificate, string target, string path);

    [LoggerMessage(RotorEventIds.Reconciling, LogLevel.Information, "Reconciling {Certificate}: {Reason}")]
    public static partial void Reconciling(ILogger logger, string certificate, string reason);

    [LoggerMessage(RotorEventIds.ReconcileFailed, LogLevel.Warning, "Reconciling {Certificate} failed ({Reason}), attempt {Failures}; next attempt at {NextAttempt:o}: {Message}")]
    public static partial void ReconcileFailed(ILogger logger, string certificate, string reason, int failures, DateTimeOffset nextAttempt, string message);

    [LoggerMessage(RotorEventIds.ReconcileBug, LogLevel.Error, "Reconciling {Certificate} hit an unexpected error; this is a bug in Rotor")]
    public static partial void ReconcileBug(ILogger logger, string certificate, Exception exception);

    [LoggerMessage(RotorEventIds.KeyUpdateDeferred, LogLevel.Information, "{Certificate}: key update due ({Reason}) waits for the key-update window {Window} until {Until}")]
    public static partial void KeyUpdateDeferred(ILogger logger, string certificate, string reason, string window, DateTimeOffset until);

    [LoggerMessage(RotorEventIds.AdviceUnavailable, LogLevel.Warning, "{Certificate}: the issuer's renewal advice is unavailable ({Message}); using the spec's schedule")]
    public static partial void AdviceUnavailable(ILogger logger, string certificate, string message);

    [LoggerMessage(RotorEventIds.PassDone, LogLevel.Debug, "Pass done: {Processed} due, {Failed} failed, in {ElapsedMs} ms")]
    public static partial void PassDone(ILogger logger, int processed, int failed, long elapsedMs);

    [LoggerMessage(RotorEventIds.Sleeping, LogLevel.Information, "Sleeping {Delay} until {WakeAt:o}; the earliest renewal or retry is at {NextDue:o}")]
    public static partial void Sleeping(ILogger logger, TimeSpan delay, DateTimeOffset wakeAt, DateTimeOffset? nextDue);

    [LoggerMessage(EventId = RotorEventIds.RotationEvent, Message = "{Certificate} version {Version} on target {Target}: {Reason}: {Message}")]
    public static partial void RotationEvent(ILogger logger, LogLevel level, string certificate, long version, string target, string reason, string message);

    [LoggerMessage(RotorEventIds.RotationWaiting, LogLevel.Information, "{Certificate} version {Version} rotation waits until {WakeAt:o}: {Reason}")]
    public static partial void RotationWaiting(ILogger logger, string certificate, long version, DateTimeOffset wakeAt, string reason);

    [LoggerMessage(RotorEventIds.Activated, LogLevel.Information, "{Certificate} version {Version} is active; renewal at {RenewalAt:o}")]
    public static partial void Activated(ILogger logger, string certificate, long version, DateTimeOffset renewalAt);

    [LoggerMessage(RotorEventIds.Issued, LogLevel.Information, "Issued {Certificate} version {Version} serial {Serial}, valid until {NotAfter:o}")]
    public static partial void Issued(ILogger logger, string certificate, long version, string serial, DateTimeOffset notAfter);

    [LoggerMessage(RotorEventIds.ValidationFailed, LogLevel.Warning, "{Certificate}: new certificate refused by validation: {Summary}")]
    public static partial void ValidationFailed(ILogger logger, string certificate, string summary);

    [LoggerMessage(RotorEventIds.StrayKeyDeleted, LogLevel.Information, "Deleted stray key {KeyRef} left by an interrupted issuance")]
    public static partial void StrayKeyDeleted(ILogger logger, string keyRef);

    [LoggerMessage(RotorEventIds.UnknownKeyKept, LogLevel.Warning, "Kept key {KeyRef}: the store has no record of it (not made by this store, or its record was lost); " +
        "Rotor deletes only keys whose making it recorded")]
    public static partial void UnknownKeyKept(ILogger logger, string keyRef);

    [LoggerMessage(RotorEventIds.LeaseTakenOver, LogLevel.Information, "{Certificate}: took over the lease of {Owner}, a Rotor process on this machine that is gone")]
    public static partial void LeaseTakenOver(ILogger logger, string certificate, string owner);

    [LoggerMessage(RotorEventIds.LeaseLost, LogLevel.Warning, "{Certificate}: the lease (fencing token {Fencing}) was taken by another Rotor instance; this instance stops its work on it")]
    public static partial void LeaseLost(ILogger logger, string certificate, long fencing);

    [LoggerMessage(RotorEventIds.LeasesOfDeadOwnerEnded, LogLevel.Information, "Ended the leases of {Owner}, a Rotor process on this machine that is gone")]
    public static partial void LeasesOfDeadOwnerEnded(ILogger logger, string owner);

    [LoggerMessage(RotorEventIds.LeaseBusy, LogLevel.Debug, "{Certificate}: skipped, another Rotor process is working on it")]
    public static partial void LeaseBusy(ILogger logger, string certificate);

    [LoggerMessage(RotorEventIds.Listening, LogLevel.Information, "Rotor is serving /healthz, /readyz, /metrics and /api/v1 on {Endpoint}")]
    public static partial void Listening(ILogger logger, string endpoint);

    [LoggerMessage(RotorEventIds.ShuttingDown, LogLevel.Information, "Shutting down")]
    public static partial void ShuttingDown(ILogger logger);

    [LoggerMessage(RotorEventIds.PassCrashed, LogLevel.Error, "Reconcile pass failed unexpectedly; the loop goes on")]
    public static partial void PassCrashed(ILogger logger, Exception exception);
}
