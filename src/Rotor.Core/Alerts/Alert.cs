namespace Rotor.Core.Alerts;

/// <summary>How urgent an alert is; each severity repeats at its own interval while it fires.</summary>
public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>
/// A condition that holds now: what the rules found in one evaluation. <see cref="Key"/> is
/// stable (rule and subject, e.g. <c>CertificateExpiring/sip-edge</c>) so the same problem is one
/// alert across evaluations and restarts; <see cref="Stage"/> marks a step within it (the expiry
/// threshold crossed) — a new stage is told at once, not at the next repeat. Labels and texts
/// name resources and facts, never a secret.
/// </summary>
public sealed record AlertCondition(
    string Key,
    string Rule,
    AlertSeverity Severity,
    IReadOnlyDictionary<string, string> Labels,
    string Summary,
    string Description,
    string Stage = "");

/// <summary>What is sent about an alert.</summary>
public enum AlertNotificationKind
{
    Firing,
    Resolved,
}

/// <summary>
/// The stored life of one alert: firing since when, last told when and at which stage, and when it
/// resolved. One row per key; a key that fires again after resolving starts a new life.
/// </summary>
public sealed record AlertState
{
    public required string Key { get; init; }
    public required string Rule { get; init; }
    public AlertSeverity Severity { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string Summary { get; init; } = "";
    public string Description { get; init; } = "";
    public string Stage { get; init; } = "";
    public DateTimeOffset FiringSince { get; init; }
    public DateTimeOffset LastNotifiedAt { get; init; }
    public int Notifications { get; init; }

    /// <summary>Set once the condition no longer holds; a resolved alert is told once and then kept for history.</summary>
    public DateTimeOffset? ResolvedAt { get; init; }

    public bool IsFiring => ResolvedAt is null;
}

/// <summary>One message to send: the alert as it stands, and whether it fires or resolved.</summary>
public sealed record AlertNotification(AlertNotificationKind Kind, AlertState Alert, DateTimeOffset At)
{
    /// <summary>
    /// Names this message uniquely and stably (alert key, life, stage, repeat count): receivers and
    /// the outbox use it to drop a second delivery of the same message.
    /// </summary>
    public string IdempotencyKey =>
        $"{Alert.Key}@{Alert.FiringSince.ToUnixTimeSeconds()}/{(Kind == AlertNotificationKind.Resolved ? "resolved" : $"{Alert.Stage}#{Alert.Notifications}")}";
}
