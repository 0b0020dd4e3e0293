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
        return sb.ToString();
    }

    private static void Header(StringBuilder sb, string name, string help) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" gauge\n");

    private static void Line(StringBuilder sb, string metric, CertificateStatus s, long value) =>
        sb.Append(metric).Append("{name=\"").Append(Escape(s.Name)).Append("\",issuer=\"").Append(Escape(s.Issuer ?? "")).Append("\"} ")
          .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static string Escape(string v) => v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
