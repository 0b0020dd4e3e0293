using System.Globalization;
using System.Text;
using Rotor.Core.Abstractions;

namespace Rotor.Telemetry;

/// <summary>
/// Prometheus text exposition (format 0.0.4) of every certificate's state, named after
/// cert-manager's metrics so existing dashboards and alerts carry over.
/// </summary>
public static class MetricsWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static async Task<string> RenderAsync(IStore store, CancellationToken cancellationToken)
    {
        var statuses = await store.ListStatusesAsync(cancellationToken);
        var sb = new StringBuilder();
        Header(sb, "rotor_certificate_expiration_timestamp_seconds", "The date after which the certificate in service expires, in seconds since the epoch.");
        foreach (var s in statuses.Where(s => s.NotAfter is not null))
        {
            Line(sb, "rotor_certificate_expiration_timestamp_seconds", s, s.NotAfter!.Value.ToUnixTimeSeconds());
        }
        Header(sb, "rotor_certificate_renewal_timestamp_seconds", "The time at which Rotor renews the certificate, in seconds since the epoch.");
        foreach (var s in statuses.Where(s => s.RenewalAt is not null))
        {
            Line(sb, "rotor_certificate_renewal_timestamp_seconds", s, s.RenewalAt!.Value.ToUnixTimeSeconds());
        }
        Header(sb, "rotor_certificate_ready_status", "1 for the condition the certificate is in: True when a valid version is in service on every target.");
        foreach (var s in statuses)
        {
            foreach (var condition in new[] { "True", "False" })
            {
                var value = (condition == "True") == s.Ready ? 1 : 0;
                sb.Append("rotor_certificate_ready_status{name=\"").Append(Escape(s.Name)).Append("\",issuer=\"").Append(Escape(s.Issuer ?? ""))
                  .Append("\",condition=\"").Append(condition).Append("\"} ").Append(value).Append('\n');
            }
        }
        Header(sb, "rotor_certificate_consecutive_failures", "Failed attempts in a row for the certificate (0 when healthy).");
        foreach (var s in statuses)
        {
            Line(sb, "rotor_certificate_consecutive_failures", s, s.Failures);
        }
        if (store is IAlertStore alerts) await RenderAlertsAsync(sb, alerts, cancellationToken);
        return sb.ToString();
    }

    private static async Task RenderAlertsAsync(StringBuilder sb, IAlertStore alerts, CancellationToken cancellationToken)
    {
        var counts = await alerts.CountAlertsAsync(cancellationToken);
        Header(sb, "rotor_alerts_firing", "Alerts firing now, by severity.");
        foreach (var severity in Enum.GetValues<Core.Alerts.AlertSeverity>())
        {
            sb.Append("rotor_alerts_firing{severity=\"").Append(severity.ToString().ToLowerInvariant()).Append("\"} ")
              .Append(counts.Firing.GetValueOrDefault(severity).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        Header(sb, "rotor_alert_notifications_delivered_total", "Alert messages delivered, by notifier.", "counter");
        foreach (var n in counts.Notifiers) NotifierLine(sb, "rotor_alert_notifications_delivered_total", n.Notifier, n.Delivered);
        Header(sb, "rotor_alert_delivery_failures_total", "Failed delivery attempts (each is retried), by notifier.", "counter");
        foreach (var n in counts.Notifiers) NotifierLine(sb, "rotor_alert_delivery_failures_total", n.Notifier, n.FailedAttempts);
        Header(sb, "rotor_alert_notifications_waiting", "Alert messages in the outbox not yet delivered, by notifier.");
        foreach (var n in counts.Notifiers) NotifierLine(sb, "rotor_alert_notifications_waiting", n.Notifier, n.Waiting);
    }

    private static void NotifierLine(StringBuilder sb, string metric, string notifier, long value) =>
        sb.Append(metric).Append("{notifier=\"").Append(Escape(notifier)).Append("\"} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static void Header(StringBuilder sb, string name, string help, string type = "gauge") =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Line(StringBuilder sb, string metric, CertificateStatus s, long value) =>
        sb.Append(metric).Append("{name=\"").Append(Escape(s.Name)).Append("\",issuer=\"").Append(Escape(s.Issuer ?? "")).Append("\"} ")
          .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static string Escape(string v) => v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
