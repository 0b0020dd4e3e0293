using Rotor.Core.Alerts;

namespace Rotor.Core.Resources;

public enum NotifierKind
{
    Alertmanager,
    Webhook,
    Email,
    Snmp,
}

/// <summary>A channel alerts are delivered through; exactly one kind is set. Secrets are referenced, never inline.</summary>
public sealed record NotifierSpec(NotifierKind Kind)
{
    public AlertmanagerNotifierSpec? Alertmanager { get; init; }
    public WebhookNotifierSpec? Webhook { get; init; }
    public EmailNotifierSpec? Email { get; init; }
    public SnmpNotifierSpec? Snmp { get; init; }

    /// <summary>How long one delivery may take before it counts as failed and is retried later.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
}

/// <summary>Prometheus Alertmanager's v2 API at <see cref="Url"/> (its base URL; Rotor posts to <c>/api/v2/alerts</c>).</summary>
public sealed record AlertmanagerNotifierSpec(string Url)
{
    /// <summary>Bearer token or basic credentials Alertmanager's proxy asks for, if any.</summary>
    public SecretRef? AuthSecretRef { get; init; }
    public string? CaBundle { get; init; }
}

public enum WebhookFormat
{
    Generic,
    Slack,
    Teams,
}

/// <summary>A JSON POST signed with HMAC-SHA256 over the raw body when <see cref="SecretRef"/> is set.</summary>
public sealed record WebhookNotifierSpec(string Url, WebhookFormat Format)
{
    public SecretRef? SecretRef { get; init; }
    public string? CaBundle { get; init; }
}

public enum SmtpSecurity
{
    /// <summary>Plain connection upgraded with STARTTLS; refused if the server does not offer it.</summary>
    StartTls,
    /// <summary>TLS from the first byte (SMTPS, usually port 465).</summary>
    Tls,
    /// <summary>No TLS: only for a relay on loopback.</summary>
    None,
}

public sealed record EmailNotifierSpec(string Host, int Port, string From, IReadOnlyList<string> To)
{
    public SmtpSecurity Security { get; init; } = SmtpSecurity.StartTls;
    public string? Username { get; init; }
    public SecretRef? PasswordRef { get; init; }
    public string? CaBundle { get; init; }
}

/// <summary>SNMPv2c traps (or informs, acknowledged and retried) to a manager.</summary>
public sealed record SnmpNotifierSpec(string Host, int Port, SecretRef CommunityRef)
{
    public bool Inform { get; init; }
}

/// <summary>
/// How alerts are raised, repeated and routed (<c>kind: Alerting</c>, at most one). Without one,
/// the defaults of <see cref="AlertPolicy"/> apply and every notifier receives every alert.
/// </summary>
public sealed record AlertingSpec
{
    public AlertPolicy Policy { get; init; } = new();
    public IReadOnlyList<AlertRoute> Routes { get; init; } = [];
}

/// <summary>
/// Alerts whose severity is in <see cref="Severities"/> (all when empty) and whose labels match
/// every entry of <see cref="Match"/> (a value may end in <c>*</c> for a prefix) go to <see cref="Notifiers"/>.
/// </summary>
public sealed record AlertRoute(IReadOnlyList<string> Notifiers)
{
    public IReadOnlyList<AlertSeverity> Severities { get; init; } = [];
    public IReadOnlyDictionary<string, string> Match { get; init; } = new Dictionary<string, string>();

    public bool Matches(AlertState alert) =>
        (Severities.Count == 0 || Severities.Contains(alert.Severity)) &&
        Match.All(m => alert.Labels.TryGetValue(m.Key, out var v) && (m.Value.EndsWith('*')
            ? v.StartsWith(m.Value[..^1], StringComparison.Ordinal)
            : v == m.Value));
}
