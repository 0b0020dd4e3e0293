using System.Text.Json;
using Npgsql;
using Rotor.Core.Abstractions;
using Rotor.Core.Alerts;

namespace Rotor.Storage.Postgres;

public sealed partial class PostgresStore : IAlertStore
{
    private const string AlertColumns =
        "key, firing_since, rule, severity, labels, summary, description, stage, last_notified_at, notifications, resolved_at";

    public async Task<IReadOnlyList<AlertState>> ListFiringAlertsAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, $"SELECT {AlertColumns} FROM alerts WHERE resolved_at IS NULL ORDER BY key");
        return await ReadAlertsAsync(cmd, cancellationToken);
    }

    public async Task<IReadOnlyList<AlertState>> ListAlertsAsync(bool includeResolved, int limit, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, $"""
            SELECT {AlertColumns} FROM alerts {(includeResolved ? "" : "WHERE resolved_at IS NULL")}
            ORDER BY resolved_at IS NOT NULL, severity DESC, COALESCE(resolved_at, firing_since) DESC, key LIMIT @limit
            """, ("@limit", limit));
        return await ReadAlertsAsync(cmd, cancellationToken);
    }

    public async Task<bool> CommitAlertsAsync(IReadOnlyList<AlertBook.Change> changes, IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        if (changes.Count == 0 && messages.Count == 0) return true;
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        foreach (var (before, after) in changes)
        {
            if (!await WriteAlertAsync(c, tx, before, after, cancellationToken))
            {
                await tx.RollbackAsync(cancellationToken);
                return false;
            }
        }
        foreach (var m in messages)
        {
            using var insert = Command(c, tx, """
                INSERT INTO alert_outbox(notifier, idempotency_key, kind, alert, created_at, attempts, next_attempt_at, repeat_after_ms)
                VALUES(@n, @i, @k, @a, @t, 0, @t, @r) ON CONFLICT(notifier, idempotency_key) DO NOTHING
                """,
                ("@n", m.Notifier), ("@i", m.IdempotencyKey), ("@k", m.Kind.ToString()),
                ("@a", JsonSerializer.Serialize(m.Alert, RotorJsonContext.Default.AlertState)), ("@t", Ms(m.CreatedAt)),
                ("@r", m.RepeatAfter is { } repeat ? (long)repeat.TotalMilliseconds : null));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Inserts a new alert or updates one only if it is still as <paramref name="before"/> was read.</summary>
    private static async Task<bool> WriteAlertAsync(NpgsqlConnection c, NpgsqlTransaction tx, AlertState? before, AlertState after, CancellationToken cancellationToken)
    {
        (string, object?)[] values =
        [
            ("@key", after.Key), ("@since", Ms(after.FiringSince)), ("@rule", after.Rule), ("@severity", (int)after.Severity),
            ("@labels", JsonSerializer.Serialize(after.Labels, RotorJsonContext.Default.IReadOnlyDictionaryStringString)),
            ("@summary", after.Summary), ("@description", after.Description), ("@stage", after.Stage),
            ("@notified", Ms(after.LastNotifiedAt)), ("@count", after.Notifications),
            ("@resolved", after.ResolvedAt is { } r ? Ms(r) : null),
        ];
        if (before is null)
        {
            // A second evaluator's insert of the same firing alert meets the unique index on firing keys.
            using var insert = Command(c, tx, $"""
                INSERT INTO alerts({AlertColumns}) VALUES(@key, @since, @rule, @severity, @labels, @summary, @description, @stage, @notified, @count, @resolved)
                ON CONFLICT DO NOTHING
                """, values);
            return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
        }
        using var update = Command(c, tx, """
            UPDATE alerts SET severity = @severity, labels = @labels, summary = @summary, description = @description, stage = @stage,
              last_notified_at = @notified, notifications = @count, resolved_at = @resolved
            WHERE key = @key AND firing_since = @since AND resolved_at IS NULL AND notifications = @beforeCount AND last_notified_at = @beforeNotified
            """, [.. values, ("@beforeCount", before.Notifications), ("@beforeNotified", Ms(before.LastNotifiedAt))]);
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<OutboxMessage>> ClaimDeliverableAsync(DateTimeOffset now, TimeSpan claimFor, int limit, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        using var select = Command(c, tx, """
            SELECT id, notifier, idempotency_key, kind, alert, created_at, attempts, next_attempt_at, delivered_at, last_error, repeat_after_ms
            FROM alert_outbox WHERE delivered_at IS NULL AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @limit
            FOR UPDATE SKIP LOCKED
            """, ("@now", Ms(now)), ("@limit", limit));
        var claimed = await ReadOutboxAsync(select, cancellationToken);
        foreach (var m in claimed)
        {
            // The claim is a later next attempt: a sender that dies mid-delivery leaves the message to be tried again.
            using var claim = Command(c, tx, "UPDATE alert_outbox SET next_attempt_at = @until WHERE id = @id", ("@until", Ms(now + claimFor)), ("@id", m.Id));
            await claim.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return claimed;
    }

    public async Task MarkDeliveredAsync(long id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "UPDATE alert_outbox SET delivered_at = @at, attempts = attempts + 1, last_error = NULL WHERE id = @id",
            ("@at", Ms(at)), ("@id", id));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task MarkAttemptFailedAsync(long id, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "UPDATE alert_outbox SET next_attempt_at = @next, attempts = attempts + 1, last_error = @e WHERE id = @id AND delivered_at IS NULL",
            ("@next", Ms(nextAttemptAt)), ("@e", error.Length <= 500 ? error : error[..500]), ("@id", id));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<DateTimeOffset?> GetEarliestDeliveryAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT MIN(next_attempt_at) FROM alert_outbox WHERE delivered_at IS NULL");
        return FromMs(await cmd.ExecuteScalarAsync(cancellationToken) ?? DBNull.Value);
    }

    public async Task<AlertCounts> CountAlertsAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        var firing = new Dictionary<AlertSeverity, int>();
        using (var cmd = Command(c, null, "SELECT severity, COUNT(*) FROM alerts WHERE resolved_at IS NULL GROUP BY severity"))
        await using (var r = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await r.ReadAsync(cancellationToken)) firing[(AlertSeverity)Int32(r, 0)] = Int32(r, 1);
        }
        var notifiers = new List<NotifierDeliveryCounts>();
        // A delivered message's attempts include the one that succeeded.
        using (var cmd = Command(c, null, """
            SELECT notifier, COUNT(*) FILTER (WHERE delivered_at IS NOT NULL), COUNT(*) FILTER (WHERE delivered_at IS NULL),
                   SUM(CASE WHEN delivered_at IS NULL THEN attempts ELSE attempts - 1 END)
            FROM alert_outbox GROUP BY notifier ORDER BY notifier
            """))
        await using (var r = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await r.ReadAsync(cancellationToken)) notifiers.Add(new NotifierDeliveryCounts(r.GetString(0), Int64(r, 1), Int64(r, 2), Int64(r, 3)));
        }
        return new AlertCounts(firing, notifiers);
    }

    public async Task<IReadOnlyList<OutboxMessage>> ListOutboxAsync(int limit, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, """
            SELECT id, notifier, idempotency_key, kind, alert, created_at, attempts, next_attempt_at, delivered_at, last_error, repeat_after_ms
            FROM alert_outbox ORDER BY id DESC LIMIT @limit
            """, ("@limit", limit));
        return await ReadOutboxAsync(cmd, cancellationToken);
    }

    private static async Task<IReadOnlyList<AlertState>> ReadAlertsAsync(NpgsqlCommand cmd, CancellationToken cancellationToken)
    {
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<AlertState>();
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new AlertState
            {
                Key = r.GetString(0),
                FiringSince = FromMs(Int64(r, 1)),
                Rule = r.GetString(2),
                Severity = (AlertSeverity)Int32(r, 3),
                Labels = JsonSerializer.Deserialize(r.GetString(4), RotorJsonContext.Default.IReadOnlyDictionaryStringString) ?? new Dictionary<string, string>(),
                Summary = r.GetString(5),
                Description = r.GetString(6),
                Stage = r.GetString(7),
                LastNotifiedAt = FromMs(Int64(r, 8)),
                Notifications = Int32(r, 9),
                ResolvedAt = FromMs(r.GetValue(10)),
            });
        }
        return list;
    }

    private static async Task<IReadOnlyList<OutboxMessage>> ReadOutboxAsync(NpgsqlCommand cmd, CancellationToken cancellationToken)
    {
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<OutboxMessage>();
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new OutboxMessage
            {
                Id = Int64(r, 0),
                Notifier = r.GetString(1),
                IdempotencyKey = r.GetString(2),
                Kind = Enum.Parse<AlertNotificationKind>(r.GetString(3)),
                Alert = JsonSerializer.Deserialize(r.GetString(4), RotorJsonContext.Default.AlertState)
                    ?? throw new InvalidDataException("an outbox message without its alert"),
                CreatedAt = FromMs(Int64(r, 5)),
                Attempts = Int32(r, 6),
                NextAttemptAt = FromMs(Int64(r, 7)),
                DeliveredAt = FromMs(r.GetValue(8)),
                LastError = r.IsDBNull(9) ? null : r.GetString(9),
                RepeatAfter = r.IsDBNull(10) ? null : TimeSpan.FromMilliseconds(Int64(r, 10)),
            });
        }
        return list;
    }
}
