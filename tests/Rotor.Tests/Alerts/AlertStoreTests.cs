using Microsoft.Extensions.Time.Testing;
using Rotor.Core.Alerts;
using Rotor.Storage.Sqlite;
using Rotor.Tests.Support;

namespace Rotor.Tests.Alerts;

/// <summary>Alerts and their outbox survive a restart, and two evaluators never tell the same thing twice.</summary>
public class AlertStoreTests
{
    private static readonly AlertPolicy Policy = new() { ThresholdDays = [30, 14, 7], RepeatWarning = TimeSpan.FromDays(3), RepeatCritical = TimeSpan.FromDays(1) };

    /// <summary>One evaluation as the service makes it: read the firing alerts, evaluate, commit the changes and one message per notifier.</summary>
    private static async Task<bool> EvaluateAsync(SqliteStore store, DateTimeOffset notAfter, DateTimeOffset now, params string[] notifiers)
    {
        var condition = AlertRules.Expiry("sip-edge", "local", notAfter, Policy.ThresholdDays, Policy, now);
        var outcome = AlertBook.Evaluate(await store.ListFiringAlertsAsync(default), condition is null ? [] : [condition], Policy, now);
        var messages = outcome.Notifications.SelectMany(n => notifiers.Select(name => OutboxMessage.For(name, n))).ToList();
        return await store.CommitAlertsAsync(outcome.Changes, messages, default);
    }

    [Fact]
    public async Task A_restart_between_evaluations_neither_repeats_nor_loses_a_message()
    {
        using var dir = new TempDir();
        var path = dir.Combine("rotor.db");
        var time = new FakeTimeProvider(TestRotor.Start);
        var notAfter = TestRotor.Start + TimeSpan.FromDays(31);
        var evaluations = 0;
        // Hourly from 31 to 13 days left, closing and reopening the store every 10 evaluations.
        while (notAfter - time.GetUtcNow() > TimeSpan.FromDays(13))
        {
            await using (var store = await SqliteStore.OpenAsync(path, time.GetUtcNow(), default))
            {
                for (var i = 0; i < 10 && notAfter - time.GetUtcNow() > TimeSpan.FromDays(13); i++, evaluations++)
                {
                    Assert.True(await EvaluateAsync(store, notAfter, time.GetUtcNow(), "ops"));
                    time.Advance(TimeSpan.FromHours(1));
                }
            }
        }
        Assert.True(evaluations > 400);
        await using var reopened = await SqliteStore.OpenAsync(path, time.GetUtcNow(), default);
        var outbox = (await reopened.ListOutboxAsync(100, default)).OrderBy(m => m.Id).ToList();
        // 30d: crossing at 30 days left and repeats every 3 days (27, 24, 21, 18, 15); 14d: crossing.
        Assert.Equal(["30d", "30d", "30d", "30d", "30d", "30d", "14d"], outbox.Select(m => m.Alert.Stage));
        Assert.Equal(outbox.Count, outbox.Select(m => m.IdempotencyKey).Distinct().Count());
        var alert = Assert.Single(await reopened.ListFiringAlertsAsync(default));
        Assert.Equal(7, alert.Notifications);

        // Renewed: resolved once, for each notifier that was told.
        Assert.True(await EvaluateAsync(reopened, notAfter + TimeSpan.FromDays(90), time.GetUtcNow(), "ops"));
        Assert.True(await EvaluateAsync(reopened, notAfter + TimeSpan.FromDays(90), time.GetUtcNow() + TimeSpan.FromHours(1), "ops"));
        var resolved = Assert.Single(await reopened.ListOutboxAsync(100, default), m => m.Kind == AlertNotificationKind.Resolved);
        Assert.Equal("14d", resolved.Alert.Stage);
        Assert.Empty(await reopened.ListFiringAlertsAsync(default));
        Assert.Single(await reopened.ListAlertsAsync(includeResolved: true, 10, default));
    }

    [Fact]
    public async Task Two_evaluators_that_read_the_same_state_tell_once()
    {
        using var dir = new TempDir();
        await using var a = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), TestRotor.Start, default);
        await using var b = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), TestRotor.Start, default);
        var now = TestRotor.Start;
        var notAfter = now + TimeSpan.FromDays(20);
        var condition = AlertRules.Expiry("sip-edge", null, notAfter, Policy.ThresholdDays, Policy, now)!;

        // Both read "nothing firing", both want to fire.
        var first = AlertBook.Evaluate(await a.ListFiringAlertsAsync(default), [condition], Policy, now);
        var second = AlertBook.Evaluate(await b.ListFiringAlertsAsync(default), [condition], Policy, now);
        Assert.True(await a.CommitAlertsAsync(first.Changes, [.. first.Notifications.Select(n => OutboxMessage.For("ops", n))], default));
        Assert.False(await b.CommitAlertsAsync(second.Changes, [.. second.Notifications.Select(n => OutboxMessage.For("ops", n))], default));

        // Both read the firing alert and both see its repeat due.
        var later = now + TimeSpan.FromDays(4);
        var repeatA = AlertBook.Evaluate(await a.ListFiringAlertsAsync(default), [condition], Policy, later);
        var repeatB = AlertBook.Evaluate(await b.ListFiringAlertsAsync(default), [condition], Policy, later);
        Assert.True(await a.CommitAlertsAsync(repeatA.Changes, [.. repeatA.Notifications.Select(n => OutboxMessage.For("ops", n))], default));
        Assert.False(await b.CommitAlertsAsync(repeatB.Changes, [.. repeatB.Notifications.Select(n => OutboxMessage.For("ops", n))], default));

        Assert.Equal(2, (await a.ListOutboxAsync(10, default)).Count);
    }

    [Fact]
    public async Task A_claimed_message_is_not_handed_out_again_until_its_claim_ends_and_stays_until_delivered()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), TestRotor.Start, default);
        var now = TestRotor.Start;
        Assert.True(await EvaluateAsync(store, now + TimeSpan.FromDays(2), now, "ops", "mail"));
        Assert.Equal(now, await store.GetEarliestDeliveryAsync(default));

        var claimed = await store.ClaimDeliverableAsync(now, TimeSpan.FromMinutes(1), 10, default);
        Assert.Equal(["mail", "ops"], claimed.Select(m => m.Notifier).Order());
        Assert.Empty(await store.ClaimDeliverableAsync(now + TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), 10, default));

        var ops = claimed.Single(m => m.Notifier == "ops");
        await store.MarkDeliveredAsync(ops.Id, now + TimeSpan.FromSeconds(1), default);
        var mail = claimed.Single(m => m.Notifier == "mail");
        await store.MarkAttemptFailedAsync(mail.Id, now + TimeSpan.FromMinutes(5), "connection refused", default);

        // The sender of "mail" died or failed: it comes back when due, "ops" never again.
        var again = Assert.Single(await store.ClaimDeliverableAsync(now + TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1), 10, default));
        Assert.Equal(mail.Id, again.Id);
        Assert.Equal(1, again.Attempts);
        Assert.Equal("connection refused", again.LastError);
        Assert.Equal(AlertSeverity.Critical, again.Alert.Severity);
        Assert.Equal("sip-edge", again.Alert.Labels["certificate"]);
    }
}
