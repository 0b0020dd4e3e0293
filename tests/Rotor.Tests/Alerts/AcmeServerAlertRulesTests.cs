using Microsoft.Extensions.Time.Testing;
using Rotor.Alerts;
using Rotor.Core.Abstractions;
using Rotor.Core.Alerts;
using Rotor.Storage.Sqlite;
using Rotor.Tests.Support;

namespace Rotor.Tests.Alerts;

/// <summary>
/// Device certificates (issued by Rotor's ACME server) alert when their device stops renewing:
/// only the newest unrevoked certificate for a set of names counts, only thresholds under a third
/// of its lifetime apply, and renewal or revocation resolves the alert.
/// </summary>
public class AcmeServerAlertRulesTests
{
    private static readonly DateTimeOffset T0 = TestRotor.Start;

    private static AcmeIssuedCertificateRecord Issued(string serial, DateTimeOffset notBefore, TimeSpan lifetime, params string[] names) =>
        new(Guid.NewGuid().ToString("N"), "devices", "acct1", "order1", serial, "", names, notBefore, notBefore + lifetime, "10.0.0.21",
            notBefore, null, null);

    [Fact]
    public void A_30_day_certificate_is_quiet_until_its_7_day_threshold_then_critical_and_expired_on_the_same_key()
    {
        var policy = new AlertPolicy();
        var certificate = Issued("0a", T0, TimeSpan.FromDays(30), "sbc1.sip.example");

        // 30 and 14 days are not under a third of 30 days: the client renews at about 10 days left.
        Assert.Null(AcmeServerAlertRules.Expiry(certificate, policy, T0));
        Assert.Null(AcmeServerAlertRules.Expiry(certificate, policy, T0 + TimeSpan.FromDays(20)));
        Assert.Null(AcmeServerAlertRules.Expiry(certificate, policy, T0 + TimeSpan.FromDays(22.5)));

        var expiring = AcmeServerAlertRules.Expiry(certificate, policy, T0 + TimeSpan.FromDays(24))!;
        Assert.Equal("DeviceCertificateExpiring/devices/sbc1.sip.example", expiring.Key);
        Assert.Equal(AcmeServerAlertRules.DeviceCertificateExpiring, expiring.Rule);
        Assert.Equal("7d", expiring.Stage);
        Assert.Equal(AlertSeverity.Critical, expiring.Severity);
        Assert.Equal("0a", expiring.Labels["serial"]);
        Assert.Contains("rotor acme-server revoke 0a", expiring.Description, StringComparison.Ordinal);

        var expired = AcmeServerAlertRules.Expiry(certificate, policy, T0 + TimeSpan.FromDays(30))!;
        Assert.Equal(expiring.Key, expired.Key);
        Assert.Equal(AcmeServerAlertRules.DeviceCertificateExpired, expired.Labels["alertname"]);
        Assert.Equal("expired", expired.Stage);
    }

    [Fact]
    public void A_90_day_certificate_warns_at_14_days_left()
    {
        var certificate = Issued("0b", T0, TimeSpan.FromDays(90), "sbc2.sip.example");
        Assert.Null(AcmeServerAlertRules.Expiry(certificate, new AlertPolicy(), T0 + TimeSpan.FromDays(70)));
        var c = AcmeServerAlertRules.Expiry(certificate, new AlertPolicy(), T0 + TimeSpan.FromDays(77))!;
        Assert.Equal("14d", c.Stage);
        Assert.Equal(AlertSeverity.Warning, c.Severity);
    }

    [Fact]
    public void Only_the_newest_unrevoked_certificate_of_a_set_of_names_is_judged()
    {
        var now = T0 + TimeSpan.FromDays(29);
        var old = Issued("01", T0, TimeSpan.FromDays(30), "b.sip.example", "a.sip.example");
        var renewed = Issued("02", T0 + TimeSpan.FromDays(20), TimeSpan.FromDays(30), "a.sip.example", "b.sip.example");
        var other = Issued("03", T0, TimeSpan.FromDays(30), "c.sip.example");
        Assert.Equal(["DeviceCertificateExpiring/devices/c.sip.example"],
            AcmeServerAlertRules.Evaluate([old, renewed, other], new AlertPolicy(), now).Select(c => c.Key));

        // Without the renewal the older one fires; a revoked newest one ends its names, older ones included.
        Assert.Contains("DeviceCertificateExpiring/devices/a.sip.example,b.sip.example",
            AcmeServerAlertRules.Evaluate([old, other], new AlertPolicy(), now).Select(c => c.Key));
        var revoked = renewed with { RevokedAt = now, RevocationReason = 5 };
        Assert.Equal(["DeviceCertificateExpiring/devices/c.sip.example"],
            AcmeServerAlertRules.Evaluate([old, revoked, other], new AlertPolicy(), now).Select(c => c.Key));
    }

    [Fact]
    public async Task The_evaluator_fires_for_a_device_that_stopped_renewing_and_resolves_on_renewal_and_on_revocation()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(T0);
        await using var store = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), time.GetUtcNow(), default);
        var evaluator = new AlertEvaluator(store, store, time);
        async Task<IReadOnlyList<string>> Firing() => [.. (await store.ListFiringAlertsAsync(default)).Select(a => a.Key)];
        var order = new AcmeOrderRecord("order1", "devices", "acct1", "valid", [], [], T0, null, null, null, null, "10.0.0.21", T0);
        await store.AddIssuedCertificateAsync(Issued("0a", T0, TimeSpan.FromDays(30), "sbc1.sip.example"), order, default);

        await evaluator.EvaluateAsync(default);
        Assert.Empty(await Firing());
        time.Advance(TimeSpan.FromDays(24));
        await evaluator.EvaluateAsync(default);
        Assert.Equal(["DeviceCertificateExpiring/devices/sbc1.sip.example"], await Firing());

        await store.AddIssuedCertificateAsync(Issued("0b", time.GetUtcNow(), TimeSpan.FromDays(30), "sbc1.sip.example"), order, default);
        await evaluator.EvaluateAsync(default);
        Assert.Empty(await Firing());

        time.Advance(TimeSpan.FromDays(31));
        await evaluator.EvaluateAsync(default);
        var expired = Assert.Single(await store.ListFiringAlertsAsync(default));
        Assert.Equal(AcmeServerAlertRules.DeviceCertificateExpired, expired.Rule);

        // Taken out of service: revoking its newest certificate ends the alert.
        var newest = await store.FindIssuedCertificateBySerialAsync("devices", "0b", default);
        Assert.True(await store.MarkRevokedAsync(newest!.Id, time.GetUtcNow(), 5, default));
        await evaluator.EvaluateAsync(default);
        Assert.Empty(await Firing());
    }
}
