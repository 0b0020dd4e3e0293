using System.Globalization;
using Rotor.Core.Abstractions;

namespace Rotor.Core.Alerts;

/// <summary>
/// Expiry of the certificates Rotor's ACME servers issued to devices, which renew them on their
/// own: the names a device holds are judged by the newest certificate issued for exactly those
/// names, so a renewal (a new certificate for the same names) resolves the alert, and a
/// device that stopped renewing is told before its certificate runs out, as a managed one would be.
/// A device taken out of service is silenced by revoking its certificate
/// (<c>rotor acme-server revoke SERIAL --reason cessationOfOperation</c>).
/// </summary>
public static class AcmeServerAlertRules
{
    public const string DeviceCertificateExpiring = "DeviceCertificateExpiring";
    public const string DeviceCertificateExpired = "DeviceCertificateExpired";

    /// <summary>
    /// One condition per (server, names) whose newest certificate is unrevoked and past a threshold.
    /// Only thresholds under a third of that certificate's lifetime count: ACME clients renew when
    /// about a third is left (certbot and lego at 30 of 90 days), so earlier it is not overdue.
    /// </summary>
    public static IEnumerable<AlertCondition> Evaluate(IEnumerable<AcmeIssuedCertificateRecord> issued, AlertPolicy policy, DateTimeOffset now)
    {
        // The newest certificate speaks for its names; revoked, it ends them (a device taken out of
        // service, or one that will ask again with a new key), so older ones do not alert instead.
        var newest = issued
            .GroupBy(c => (c.Server, Names: NamesKey(c.Names)))
            .Select(g => g.MaxBy(c => c.NotAfter)!)
            .Where(c => c.RevokedAt is null)
            .OrderBy(c => c.Server, StringComparer.Ordinal).ThenBy(c => NamesKey(c.Names), StringComparer.Ordinal);
        foreach (var certificate in newest)
        {
            if (Expiry(certificate, policy, now) is { } condition) yield return condition;
        }
    }

    /// <summary>The condition of one device certificate (the newest for its names), or null while it is not overdue.</summary>
    public static AlertCondition? Expiry(AcmeIssuedCertificateRecord certificate, AlertPolicy policy, DateTimeOffset now)
    {
        var names = NamesKey(certificate.Names);
        var key = $"{DeviceCertificateExpiring}/{certificate.Server}/{names}";
        var labels = AlertRules.Labels(DeviceCertificateExpiring, ("acmeServer", certificate.Server), ("names", names),
            ("serial", certificate.SerialHex), ("account", certificate.AccountId));
        var left = certificate.NotAfter - now;
        var advice = $"Check the ACME client of the device at {certificate.ClientAddress} (account {certificate.AccountId}); " +
            $"if the device is out of service, `rotor acme-server revoke {certificate.SerialHex} --reason cessationOfOperation` ends this alert.";
        if (left <= TimeSpan.Zero)
        {
            labels["alertname"] = DeviceCertificateExpired;
            return new AlertCondition(key, DeviceCertificateExpired, AlertSeverity.Critical, labels,
                $"Device certificate for {names} (ACME server {certificate.Server}) expired at {Stamp(certificate.NotAfter)}",
                $"No newer certificate was issued for {names}: the device did not renew, and TLS peers refuse what it presents. {advice}",
                "expired");
        }
        var lifetime = certificate.NotAfter - certificate.NotBefore;
        var crossed = policy.ThresholdDays
            .Where(d => d > 0 && TimeSpan.FromDays(d) < lifetime / 3 && left <= TimeSpan.FromDays(d))
            .DefaultIfEmpty(0).Min();
        if (crossed == 0) return null;
        var severity = crossed <= policy.CriticalBelowDays ? AlertSeverity.Critical : AlertSeverity.Warning;
        return new AlertCondition(key, DeviceCertificateExpiring, severity, labels,
            $"Device certificate for {names} (ACME server {certificate.Server}) expires at {Stamp(certificate.NotAfter)}, not renewed",
            $"Within its {crossed}-day warning and no newer certificate was issued for {names}. {advice}",
            $"{crossed}d");
    }

    private static string NamesKey(IReadOnlyList<string> names) =>
        string.Join(",", names.Select(n => n.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
