using Rotor.Core.Alerts;

namespace Rotor.Core.Abstractions;

/// <summary>
/// Alerts and their delivery outbox. Contract: thread-safe and safe across processes sharing the
/// store. <see cref="CommitAlertsAsync"/> is one transaction that checks every change's
/// <see cref="AlertBook.Change.Before"/> still holds, so two evaluators never tell the same thing
/// twice; a message is handed to one sender at a time (<see cref="ClaimDeliverableAsync"/>) and
/// is kept until it is marked delivered.
/// </summary>
public interface IAlertStore
{
    /// <summary>Alerts that are firing.</summary>
    Task<IReadOnlyList<AlertState>> ListFiringAlertsAsync(CancellationToken cancellationToken);

    /// <summary>Firing alerts, then the most recently resolved ones, up to <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<AlertState>> ListAlertsAsync(bool includeResolved, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Stores the changes and enqueues the messages in one transaction; false (and nothing stored)
    /// when another evaluator changed one of these alerts first.
    /// </summary>
    Task<bool> CommitAlertsAsync(IReadOnlyList<AlertBook.Change> changes, IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Undelivered messages due at <paramref name="now"/>, oldest first, each claimed for
    /// <paramref name="claimFor"/> so no other sender takes it meanwhile.
    /// </summary>
    Task<IReadOnlyList<OutboxMessage>> ClaimDeliverableAsync(DateTimeOffset now, TimeSpan claimFor, int limit, CancellationToken cancellationToken);

    Task MarkDeliveredAsync(long id, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Records a failed attempt and when to try again.</summary>
    Task MarkAttemptFailedAsync(long id, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken);

    /// <summary>When the next undelivered message is due; null when none waits.</summary>
    Task<DateTimeOffset?> GetEarliestDeliveryAsync(CancellationToken cancellationToken);

    /// <summary>Counts for metrics: firing alerts per severity, and per notifier the messages delivered, waiting, and failed attempts so far.</summary>
    Task<AlertCounts> CountAlertsAsync(CancellationToken cancellationToken);

    /// <summary>The outbox, newest first (delivered and not), for <c>rotor alerts --outbox</c> and tests.</summary>
    Task<IReadOnlyList<OutboxMessage>> ListOutboxAsync(int limit, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IAlertStore.CountAlertsAsync"/> returns; every count only grows except firing and waiting.</summary>
public sealed record AlertCounts(
    IReadOnlyDictionary<AlertSeverity, int> Firing,
    IReadOnlyList<NotifierDeliveryCounts> Notifiers);

public sealed record NotifierDeliveryCounts(string Notifier, long Delivered, long Waiting, long FailedAttempts);
