using System.Globalization;

namespace Rotor.Core.Alerts;

/// <summary>
/// The rules over managed certificates, as pure functions of facts the caller read: each returns
/// the condition that holds now, or null. Rule names are the <c>alertname</c> label receivers route on.
/// </summary>
public static class AlertRules
{
    public const string CertificateExpiring = "CertificateExpiring";
    public const string CertificateExpired = "CertificateExpired";
    public const string RenewalFailing = "RenewalFailing";

    /// <summary>
    /// The expiry of the version in service: nothing above the highest threshold; the lowest
    /// threshold crossed as the stage (each crossing is told at once); expired past notAfter.
    /// Expiring and expired share one key, so renewing resolves whichever fires.
    /// </summary>
    public static AlertCondition? Expiry(string certificate, string? issuer, DateTimeOffset notAfter, IReadOnlyList<int> thresholdDays,
        AlertPolicy policy, DateTimeOffset now)
    {
        var labels = Labels(CertificateExpiring, ("certificate", certificate), ("issuer", issuer));
        var key = $"{CertificateExpiring}/{certificate}";
        var left = notAfter - now;
        if (left <= TimeSpan.Zero)
        {
            labels["alertname"] = CertificateExpired;
            return new AlertCondition(key, CertificateExpired, AlertSeverity.Critical, labels,
                $"Certificate {certificate} expired at {Stamp(notAfter)}",
                $"The certificate in service for {certificate} is no longer valid: TLS peers refuse it and calls over it fail. " +
                $"Run `rotor describe certificate {certificate}` to see why renewal did not happen, then `rotor renew {certificate} --now`.",
                "expired");
        }
        var crossed = thresholdDays.Where(d => d > 0 && left <= TimeSpan.FromDays(d)).DefaultIfEmpty(0).Min();
        if (crossed == 0) return null;
        var severity = crossed <= policy.CriticalBelowDays ? AlertSeverity.Critical : AlertSeverity.Warning;
        return new AlertCondition(key, CertificateExpiring, severity, labels,
            $"Certificate {certificate} expires in {DaysLeft(left)} (at {Stamp(notAfter)})",
            $"The certificate in service for {certificate} is within its {crossed}-day warning and has not been replaced. " +
            $"Rotor renews it on its own; if this stays, run `rotor describe certificate {certificate}` for the last failure.",
            $"{crossed}d");
    }

    /// <summary>
    /// Renewal has failed <see cref="AlertPolicy.RenewalFailuresBeforeAlert"/> times in a row, or
    /// the next attempt falls after the current certificate's expiry (critical then).
    /// </summary>
    public static AlertCondition? Renewal(string certificate, string? issuer, int failures, string? lastFailure, DateTimeOffset nextAttempt,
        DateTimeOffset? notAfter, AlertPolicy policy)
    {
        if (failures <= 0) return null;
        var pastExpiry = notAfter is { } end && nextAttempt >= end;
        if (failures < policy.RenewalFailuresBeforeAlert && !pastExpiry) return null;
        var labels = Labels(RenewalFailing, ("certificate", certificate), ("issuer", issuer));
        var why = lastFailure is { Length: > 0 } f ? f : "unknown";
        return new AlertCondition($"{RenewalFailing}/{certificate}", RenewalFailing, pastExpiry ? AlertSeverity.Critical : AlertSeverity.Warning, labels,
            $"Renewing {certificate} failed {failures} time{(failures == 1 ? "" : "s")} in a row",
            $"Last failure: {why}. Next attempt at {Stamp(nextAttempt)}" +
            (pastExpiry ? $", after the certificate in service expires ({Stamp(notAfter!.Value)}): act now." : "."),
            pastExpiry ? "past-expiry" : "failing");
    }

    /// <summary>Labels with <c>alertname</c> first; null values are left out.</summary>
    public static Dictionary<string, string> Labels(string rule, params (string Name, string? Value)[] labels)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal) { ["alertname"] = rule };
        foreach (var (name, value) in labels)
        {
            if (value is { Length: > 0 }) result[name] = value;
        }
        return result;
    }

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string DaysLeft(TimeSpan left) =>
        left >= TimeSpan.FromDays(2) ? $"{(int)left.TotalDays} days"
        : left >= TimeSpan.FromHours(2) ? $"{(int)left.TotalHours} hours"
        : $"{Math.Max(1, (int)left.TotalMinutes)} minutes";
}
