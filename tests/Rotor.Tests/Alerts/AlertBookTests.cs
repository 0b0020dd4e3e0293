using Microsoft.Extensions.Time.Testing;
using Rotor.Core.Alerts;

namespace Rotor.Tests.Alerts;

public class AlertBookTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Evaluates every <paramref name="step"/> and keeps the alert states as a store would.</summary>
    private sealed class Book(AlertPolicy policy)
    {
        public Dictionary<string, AlertState> States { get; } = new(StringComparer.Ordinal);
        public List<AlertNotification> Sent { get; } = [];

        public void Evaluate(IEnumerable<AlertCondition> conditions, DateTimeOffset at)
        {
            var outcome = AlertBook.Evaluate(States.Values, conditions, policy, at);
            foreach (var s in outcome.Changed) States[s.Key] = s;
            Sent.AddRange(outcome.Notifications);
        }
    }

    private static AlertCondition? Expiry(DateTimeOffset notAfter, DateTimeOffset now, AlertPolicy policy) =>
        AlertRules.Expiry("sip-edge", "local", notAfter, policy.ThresholdDays, policy, now);

    [Fact]
    public void Crossing_30_14_and_7_days_fires_once_per_threshold_repeats_at_the_interval_and_resolves_once_on_renewal()
    {
        var policy = new AlertPolicy { ThresholdDays = [30, 14, 7], RepeatWarning = TimeSpan.FromDays(3), RepeatCritical = TimeSpan.FromDays(1) };
        var time = new FakeTimeProvider(Start);
        var notAfter = Start + TimeSpan.FromDays(31);
        var book = new Book(policy);

        // Hourly evaluations from 31 days left to 5.5 days left.
        while (notAfter - time.GetUtcNow() > TimeSpan.FromDays(5.5))
        {
            book.Evaluate([.. new[] { Expiry(notAfter, time.GetUtcNow(), policy) }.OfType<AlertCondition>()], time.GetUtcNow());
            time.Advance(TimeSpan.FromHours(1));
        }

        var firings = book.Sent.Where(n => n.Kind == AlertNotificationKind.Firing).ToList();
        // Each stage is told once when crossed ...
        Assert.Equal(["30d", "14d", "7d"], firings.Select(f => f.Alert.Stage).Distinct());
        Assert.Equal(notAfter - TimeSpan.FromDays(30), firings.First(f => f.Alert.Stage == "30d").At);
        Assert.Equal(notAfter - TimeSpan.FromDays(14), firings.First(f => f.Alert.Stage == "14d").At);
        Assert.Equal(notAfter - TimeSpan.FromDays(7), firings.First(f => f.Alert.Stage == "7d").At);
        // ... and repeated at its severity's interval while it stays: 16 days at 30d (every 3 days:
        // crossing + 5 repeats), 7 days at 14d (crossing + 2), 1.5 days at 7d (crossing + 1).
        Assert.Equal(6, firings.Count(f => f.Alert.Stage == "30d"));
        Assert.Equal(3, firings.Count(f => f.Alert.Stage == "14d"));
        Assert.Equal(2, firings.Count(f => f.Alert.Stage == "7d"));
        Assert.All(firings.Where(f => f.Alert.Stage == "7d"), f => Assert.Equal(AlertSeverity.Critical, f.Alert.Severity));
        Assert.All(firings.Where(f => f.Alert.Stage != "7d"), f => Assert.Equal(AlertSeverity.Warning, f.Alert.Severity));
        Assert.Equal(firings.Count, firings.Select(f => f.IdempotencyKey).Distinct().Count());
        Assert.Single(book.States);

        // Renewed: the condition no longer holds. Resolved is told once, then nothing more.
        var renewed = notAfter + TimeSpan.FromDays(90);
        for (var i = 0; i < 48; i++)
        {
            book.Evaluate([.. new[] { Expiry(renewed, time.GetUtcNow(), policy) }.OfType<AlertCondition>()], time.GetUtcNow());
            time.Advance(TimeSpan.FromHours(1));
        }
        var resolved = Assert.Single(book.Sent, n => n.Kind == AlertNotificationKind.Resolved);
        Assert.Equal("7d", resolved.Alert.Stage);
        Assert.False(book.States["CertificateExpiring/sip-edge"].IsFiring);
        Assert.Equal(firings.Count + 1, book.Sent.Count);
    }

    [Fact]
    public void An_expired_certificate_is_critical_under_the_same_key_and_renewal_resolves_it()
    {
        var policy = new AlertPolicy();
        var notAfter = Start;
        var book = new Book(policy);
        book.Evaluate([Expiry(notAfter, Start - TimeSpan.FromHours(12), policy)!], Start - TimeSpan.FromHours(12));
        book.Evaluate([Expiry(notAfter, Start + TimeSpan.FromMinutes(1), policy)!], Start + TimeSpan.FromMinutes(1));
        Assert.Equal(2, book.Sent.Count);
        Assert.Equal("expired", book.Sent[1].Alert.Stage);
        Assert.Equal("CertificateExpired", book.Sent[1].Alert.Labels["alertname"]);
        Assert.Equal(AlertSeverity.Critical, book.Sent[1].Alert.Severity);
        book.Evaluate([], Start + TimeSpan.FromMinutes(2));
        Assert.Equal(AlertNotificationKind.Resolved, book.Sent[2].Kind);
    }

    [Fact]
    public void A_firing_alert_whose_rule_could_not_be_judged_stays_firing()
    {
        var policy = new AlertPolicy();
        var book = new Book(policy);
        book.Evaluate([Expiry(Start + TimeSpan.FromDays(2), Start, policy)!], Start);
        var outcome = AlertBook.Evaluate(book.States.Values, [], policy, Start + TimeSpan.FromMinutes(5), evaluatedKeys: _ => false);
        Assert.Empty(outcome.Notifications);
        Assert.Empty(outcome.Changed);
    }

    [Fact]
    public void Renewal_failures_alert_after_the_policy_count_and_turn_critical_when_the_retry_passes_expiry()
    {
        var policy = new AlertPolicy { RenewalFailuresBeforeAlert = 3 };
        var notAfter = Start + TimeSpan.FromDays(10);
        Assert.Null(AlertRules.Renewal("a", "acme", 2, "AcmeRateLimited", Start + TimeSpan.FromHours(1), notAfter, policy));
        var warning = AlertRules.Renewal("a", "acme", 3, "AcmeRateLimited", Start + TimeSpan.FromHours(1), notAfter, policy)!;
        Assert.Equal(AlertSeverity.Warning, warning.Severity);
        Assert.Contains("AcmeRateLimited", warning.Description, StringComparison.Ordinal);
        var critical = AlertRules.Renewal("a", "acme", 1, "AcmeRateLimited", notAfter + TimeSpan.FromHours(1), notAfter, policy)!;
        Assert.Equal(AlertSeverity.Critical, critical.Severity);
        Assert.Equal("acme", critical.Labels["issuer"]);
        Assert.Null(AlertRules.Renewal("a", "acme", 0, null, Start, notAfter, policy));
    }
}
