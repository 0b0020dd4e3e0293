namespace Rotor.Core.Alerts;

/// <summary>
/// One notification for one notifier, kept until it is delivered. The alert is a snapshot taken
/// when the message was made, so a retry sends what was true then. Unique per notifier and
/// <see cref="IdempotencyKey"/>: enqueuing the same message twice keeps one.
/// </summary>
public sealed record OutboxMessage
{
    public long Id { get; init; }
    public required string Notifier { get; init; }
    public required string IdempotencyKey { get; init; }
    public AlertNotificationKind Kind { get; init; }
    public required AlertState Alert { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public int Attempts { get; init; }
    public DateTimeOffset NextAttemptAt { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
    public string? LastError { get; init; }

    /// <summary>When Rotor tells this alert again if it keeps firing (its severity's repeat interval); channels with their own expiry (Alertmanager's endsAt) use it.</summary>
    public TimeSpan? RepeatAfter { get; init; }

    public static OutboxMessage For(string notifier, AlertNotification notification, TimeSpan? repeatAfter = null) => new()
    {
        RepeatAfter = repeatAfter,
        Notifier = notifier,
        IdempotencyKey = notification.IdempotencyKey,
        Kind = notification.Kind,
        Alert = notification.Alert,
        CreatedAt = notification.At,
        NextAttemptAt = notification.At,
    };
}
