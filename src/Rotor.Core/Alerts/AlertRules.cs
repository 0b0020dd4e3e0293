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
    public const string RotationRolledBack = "RotationRolledBack";
    public const string IssuerFailing = "IssuerFailing";
    public const string EndpointUnreachable = "EndpointUnreachable";

    /// <summary>The reason part of a status's <c>LastFailure</c> ("Reason: message").</summary>
    public static string? ReasonOf(string? lastFailure) =>
        lastFailure is { Length: > 0 } f && f.IndexOf(':', StringComparison.Ordinal) is > 0 and var i ? f[..i] : null;

    /// <summary>
    /// The last rotation of a certificate rolled back (a failed health gate or a rollback); holds until a
    /// version goes into service. Critical: the new certificate did not work where it was deployed.
    /// </summary>
    public static AlertCondition? RolledBack(string certificate, string? issuer, string? lastFailure)
    {
        var reason = ReasonOf(lastFailure);
        if (reason is not ("RolledBack" or "GateFailed")) return null;
        return new AlertCondition($"{RotationRolledBack}/{certificate}", RotationRolledBack, AlertSeverity.Critical,
            Labels(RotationRolledBack, ("certificate", certificate), ("issuer", issuer)),
            $"The rotation of {certificate} was rolled back; the previous certificate stays in service",
            $"{lastFailure}. The new version did not pass its health gate (or was rolled back by hand). " +
            $"Run `rotor describe certificate {certificate}` for the gate's evidence; Rotor tries again after its backoff.",
            "rolled-back");
    }

    /// <summary>
    /// An issuer fails for at least one certificate with a protocol failure (unreachable, refusing,
    /// rate limiting): one alert per issuer, naming how many certificates wait and the last reason.
    /// </summary>
    public static AlertCondition? Issuer(string issuer, IReadOnlyList<(string Certificate, string LastFailure)> failing)
    {
        if (failing.Count == 0) return null;
        var reasons = failing.Select(f => ReasonOf(f.LastFailure) ?? "Failed").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var unreachable = reasons.Any(r => r.EndsWith("Connect", StringComparison.Ordinal) || r.EndsWith("MessageTimeout", StringComparison.Ordinal)
            || r.EndsWith("Http", StringComparison.Ordinal) || r is "AcmeConnection" or "OperationalError");
        var names = string.Join(", ", failing.Select(f => f.Certificate).Order(StringComparer.Ordinal).Take(5)) + (failing.Count > 5 ? ", …" : "");
        return new AlertCondition($"{IssuerFailing}/{issuer}", IssuerFailing, AlertSeverity.Warning,
            Labels(IssuerFailing, ("issuer", issuer)),
            $"Issuer {issuer} is {(unreachable ? "unreachable" : "refusing requests")} for {failing.Count} certificate{(failing.Count == 1 ? "" : "s")}",
            $"Failing: {names} ({string.Join(", ", reasons)}); last: {failing[0].LastFailure}. " +
            $"Run `rotor describe issuer {issuer}`. Certificates in service stay valid until their expiry.",
            string.Join(",", reasons));
    }

    /// <summary>An Endpoint's last probe could not connect (or time out): the SIP endpoint itself, not its certificate, is down.</summary>
    public static AlertCondition? Endpoint(string endpoint, string address, bool connectFailed, string? error, DateTimeOffset probedAt)
    {
        if (!connectFailed) return null;
        return new AlertCondition($"{EndpointUnreachable}/{endpoint}", EndpointUnreachable, AlertSeverity.Warning,
            Labels(EndpointUnreachable, ("endpoint", endpoint)),
            $"Endpoint {endpoint} ({address}) does not answer",
            $"The last TLS probe at {Stamp(probedAt)} could not connect ({error ?? "no answer"}). A rotation that needs this endpoint's health gate waits until it answers.",
            "unreachable");
    }

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
