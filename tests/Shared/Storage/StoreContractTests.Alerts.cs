using Microsoft.Extensions.Time.Testing;
using Rotor.Core.Abstractions;
using Rotor.Core.Alerts;
using Rotor.Core.Scan;
using Rotor.Storage;

namespace Rotor.Tests.Storage;

/// <summary>Alerts and their outbox, discovery scans and API tokens: the same on every store.</summary>
public abstract partial class StoreContractTests
{
    private static readonly AlertPolicy Policy = new() { ThresholdDays = [30, 14, 7], RepeatWarning = TimeSpan.FromDays(3), RepeatCritical = TimeSpan.FromDays(1) };

    /// <summary>One evaluation as the service makes it: read the firing alerts, evaluate, commit the changes and one message per notifier.</summary>
    private static async Task<bool> EvaluateAsync(IRotorStore store, DateTimeOffset notAfter, DateTimeOffset now, params string[] notifiers)
    {
        var condition = AlertRules.Expiry("sip-edge", "local", notAfter, Policy.ThresholdDays, Policy, now);
        var outcome = AlertBook.Evaluate(await store.ListFiringAlertsAsync(default), condition is null ? [] : [condition], Policy, now);
        var messages = outcome.Notifications.SelectMany(n => notifiers.Select(name => OutboxMessage.For(name, n))).ToList();
        return await store.CommitAlertsAsync(outcome.Changes, messages, default);
    }

    [Fact]
    public async Task Alerts_across_restarts_neither_repeat_nor_lose_a_message()
    {
        var time = new FakeTimeProvider(Now);
        var notAfter = Now + TimeSpan.FromDays(31);
        var evaluations = 0;
        // Hourly from 31 to 13 days left, closing and reopening the store every 50 evaluations.
        while (notAfter - time.GetUtcNow() > TimeSpan.FromDays(13))
        {
            if (await OpenAsync(time.GetUtcNow()) is not { } store) return;
            for (var i = 0; i < 50 && notAfter - time.GetUtcNow() > TimeSpan.FromDays(13); i++, evaluations++)
            {
                Assert.True(await EvaluateAsync(store, notAfter, time.GetUtcNow(), "ops"));
                time.Advance(TimeSpan.FromHours(1));
            }
            await store.DisposeAsync();
        }
        Assert.True(evaluations > 400);
        var reopened = (await OpenAsync(time.GetUtcNow()))!;
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
        var counts = await reopened.CountAlertsAsync(default);
        Assert.Empty(counts.Firing);
        var ops = Assert.Single(counts.Notifiers);
        Assert.Equal(("ops", 0L, 8L, 0L), (ops.Notifier, ops.Delivered, ops.Waiting, ops.FailedAttempts));
    }

    [Fact]
    public async Task Two_evaluators_that_read_the_same_state_tell_once()
    {
        if (await OpenAsync() is not { } a || await OpenAsync() is not { } b) return;
        var now = Now;
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
        if (await OpenAsync() is not { } store) return;
        var now = Now;
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
        var counts = await store.CountAlertsAsync(default);
        Assert.Equal(1, counts.Firing[AlertSeverity.Critical]);
        Assert.Equal([("mail", 0L, 1L, 1L), ("ops", 1L, 0L, 0L)], counts.Notifiers.Select(n => (n.Notifier, n.Delivered, n.Waiting, n.FailedAttempts)));
    }

    [Fact]
    public async Task Scan_runs_keep_their_results_and_only_the_newest_runs()
    {
        if (await OpenAsync() is not { } store) return;
        EndpointScan Result(string endpoint, bool reachable) => new() { Endpoint = endpoint, At = Now, Reachable = reachable, HandshakeMs = 1.5 };
        var runs = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            var run = await store.StartScanRunAsync("lab", Now.AddMinutes(i), default);
            runs.Add(run);
            await store.FinishScanRunAsync(run, [Result("a:5061", true), Result("b:5061", i % 2 == 0)], Now.AddMinutes(i).AddSeconds(5), keepRuns: 2, default);
        }
        var latest = (await store.GetLatestScanRunAsync("lab", default))!;
        Assert.Equal(new ScanRun(runs[3], "lab", Now.AddMinutes(3), Now.AddMinutes(3).AddSeconds(5), 2, 1), latest);
        Assert.Equal(["a:5061", "b:5061"], (await store.ListScanResultsAsync(latest.Id, default)).Select(r => r.Endpoint));
        Assert.Empty(await store.ListScanResultsAsync(runs[0], default));
        var history = await store.ListEndpointHistoryAsync("b:5061", 10, default);
        Assert.Equal([false, true], history.Select(h => h.Result.Reachable));
        Assert.Null(await store.GetLatestScanRunAsync("other", default));
    }

    [Fact]
    public async Task A_token_name_is_unique_until_revoked_and_found_by_its_digest()
    {
        if (await OpenAsync() is not { } store) return;
        Assert.True(await store.AddApiTokenAsync(new ApiTokenRecord("ci", "Operator", "aa", Now, null, null), default));
        Assert.False(await store.AddApiTokenAsync(new ApiTokenRecord("ci", "Reader", "bb", Now, null, null), default));
        await store.TouchApiTokenAsync("ci", Now.AddMinutes(1), default);
        Assert.Equal(new ApiTokenRecord("ci", "Operator", "aa", Now, Now.AddMinutes(1), null), await store.FindApiTokenAsync("aa", default));
        Assert.True(await store.RevokeApiTokenAsync("ci", Now.AddMinutes(2), default));
        Assert.False(await store.RevokeApiTokenAsync("ci", Now.AddMinutes(3), default));
        Assert.True(await store.AddApiTokenAsync(new ApiTokenRecord("ci", "Reader", "bb", Now.AddMinutes(4), null, null), default));
        Assert.Null(await store.FindApiTokenAsync("aa", default));
        Assert.Equal(["Reader"], (await store.ListApiTokensAsync(default)).Select(t => t.Role));
    }
}
