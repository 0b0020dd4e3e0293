using System.Globalization;
using System.Text;
using Rotor.Core.Alerts;

namespace Rotor.Alerts;

/// <summary>How an alert reads to a person, the same in every channel: a subject line and a plain-text body with the facts and what to do.</summary>
public static class AlertText
{
    public static string Subject(OutboxMessage m) =>
        m.Kind == AlertNotificationKind.Resolved
            ? $"[Rotor RESOLVED] {m.Alert.Summary}"
            : $"[Rotor {m.Alert.Severity.ToString().ToUpperInvariant()}] {m.Alert.Summary}";

    public static string Body(OutboxMessage m)
    {
        var a = m.Alert;
        var text = new StringBuilder();
        text.AppendLine(m.Kind == AlertNotificationKind.Resolved ? $"Resolved: {a.Summary}" : a.Summary);
        text.AppendLine();
        if (m.Kind == AlertNotificationKind.Resolved)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"The condition no longer holds (resolved at {Stamp(a.ResolvedAt ?? m.CreatedAt)}).");
        }
        else
        {
            text.AppendLine(a.Description);
        }
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Alert:    {a.Rule} ({a.Severity.ToString().ToLowerInvariant()})");
        text.AppendLine(CultureInfo.InvariantCulture, $"Firing:   since {Stamp(a.FiringSince)}");
        foreach (var (name, value) in a.Labels.Where(l => l.Key != "alertname").OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{char.ToUpperInvariant(name[0]) + name[1..] + ":",-9} {value}");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"Key:      {m.IdempotencyKey}");
        return text.ToString();
    }

    public static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
