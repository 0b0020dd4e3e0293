namespace Rotor.Core.Alerts;

/// <summary>
/// Turns what holds now into what must be told: compares the conditions of one evaluation with the
/// stored alerts and returns the new states and the notifications. Pure: no clock, no I/O, so the
/// caller stores states and enqueues notifications in one transaction and a restart between two
/// evaluations neither repeats nor loses a message.
/// <list type="bullet">
/// <item>A new condition fires at once.</item>
/// <item>A firing alert whose stage or severity changed (a lower expiry threshold crossed) is told at once.</item>
/// <item>A firing alert unchanged is told again when its severity's repeat interval has passed.</item>
/// <item>A firing alert whose condition no longer holds resolves, and is told once.</item>
/// </list>
/// </summary>
public static class AlertBook
{
    /// <summary>A stored alert's change: <see cref="Before"/> is null for a new alert (the store checks it still holds, so two evaluators never both tell).</summary>
    public sealed record Change(AlertState? Before, AlertState After);

    public sealed record Outcome(IReadOnlyList<Change> Changes, IReadOnlyList<AlertNotification> Notifications)
    {
        public IEnumerable<AlertState> Changed => Changes.Select(c => c.After);
    }

    /// <param name="stored">The stored alerts that are firing (resolved ones are history and ignored).</param>
    /// <param name="evaluatedKeys">
    /// Keys the rules could judge this time. A firing alert whose key was not judged (its rule's
    /// data was unavailable) stays as it is instead of resolving on missing evidence; null means all were judged.
    /// </param>
    public static Outcome Evaluate(IEnumerable<AlertState> stored, IEnumerable<AlertCondition> now, AlertPolicy policy, DateTimeOffset at,
        Func<string, bool>? evaluatedKeys = null)
    {
        var firing = stored.Where(s => s.IsFiring).ToDictionary(s => s.Key, StringComparer.Ordinal);
        var changed = new List<Change>();
        var notifications = new List<AlertNotification>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (var condition in now)
        {
            if (!seen.Add(condition.Key)) continue; // one alert per key; the first condition wins
            if (!firing.TryGetValue(condition.Key, out var current))
            {
                var fresh = new AlertState
                {
                    Key = condition.Key,
                    Rule = condition.Rule,
                    Severity = condition.Severity,
                    Labels = condition.Labels,
                    Summary = condition.Summary,
                    Description = condition.Description,
                    Stage = condition.Stage,
                    FiringSince = at,
                    LastNotifiedAt = at,
                    Notifications = 1,
                };
                changed.Add(new Change(null, fresh));
                notifications.Add(new AlertNotification(AlertNotificationKind.Firing, fresh, at));
                continue;
            }

            var escalated = current.Stage != condition.Stage || current.Severity != condition.Severity;
            var repeatDue = at - current.LastNotifiedAt >= policy.RepeatFor(condition.Severity);
            var updated = current with
            {
                Severity = condition.Severity,
                Labels = condition.Labels,
                Summary = condition.Summary,
                Description = condition.Description,
                Stage = condition.Stage,
            };
            if (escalated || repeatDue)
            {
                updated = updated with { LastNotifiedAt = at, Notifications = current.Notifications + 1 };
                changed.Add(new Change(current, updated));
                notifications.Add(new AlertNotification(AlertNotificationKind.Firing, updated, at));
            }
            else if (updated.Summary != current.Summary || updated.Description != current.Description || !SameLabels(updated.Labels, current.Labels))
            {
                changed.Add(new Change(current, updated)); // newer facts (days left) without a new message
            }
        }

        foreach (var (key, current) in firing)
        {
            if (seen.Contains(key)) continue;
            if (evaluatedKeys is not null && !evaluatedKeys(key)) continue;
            var resolved = current with { ResolvedAt = at, LastNotifiedAt = at };
            changed.Add(new Change(current, resolved));
            notifications.Add(new AlertNotification(AlertNotificationKind.Resolved, resolved, at));
        }
        return new Outcome(changed, notifications);
    }

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
