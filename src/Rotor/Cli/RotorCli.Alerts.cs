using System.CommandLine;
using System.Globalization;
using System.Text.Json.Serialization;
using Rotor.Alerts.Channels;
using Rotor.Core.Alerts;
using Spectre.Console;

namespace Rotor.Cli;

/// <summary><c>rotor alerts</c> (what fires, what was told, what waits to be sent) and <c>rotor notify test NAME</c>.</summary>
public static partial class RotorCli
{
    private static Command AlertsCommand(CliContext cli)
    {
        var all = new Option<bool>("--all") { Description = "Also the most recently resolved alerts" };
        var outbox = new Option<bool>("--outbox") { Description = "Show the delivery outbox instead: each message, its notifier, attempts, last error, whether it was delivered" };
        var limit = new Option<int>("--limit") { Description = "At most this many rows", DefaultValueFactory = _ => 100 };
        var cmd = new Command("alerts", "List firing alerts (expiry, failing renewals, ...), newest first within each severity; exit 0 whether or not any fire") { all, outbox, limit };
        cmd.SetAction(async (parse, ct) =>
        {
            var max = parse.GetValue(limit);
            if (max is < 1 or > 100_000) return cli.Fail(ExitCodes.InvalidInput, "--limit: must be between 1 and 100000");
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            if (parse.GetValue(outbox))
            {
                var messages = await host.Alerts.ListOutboxAsync(max, ct);
                if (cli.WantsJson(parse))
                {
                    cli.WriteJson([.. messages.Select(m => new OutboxJson(m.Id, m.Notifier, m.Kind.ToString().ToLowerInvariant(), m.Alert.Key, m.IdempotencyKey,
                        m.Attempts, m.DeliveredAt, m.DeliveredAt is null ? m.NextAttemptAt : null, m.LastError))], AlertsJsonContext.Default.OutboxJsonArray);
                    return ExitCodes.Ok;
                }
                var table = new Table().AddColumns("ID", "NOTIFIER", "KIND", "ALERT", "ATTEMPTS", "DELIVERED", "NEXT ATTEMPT", "LAST ERROR");
                foreach (var m in messages)
                {
                    table.AddRow(m.Id.ToString(CultureInfo.InvariantCulture), Markup.Escape(m.Notifier), m.Kind.ToString().ToLowerInvariant(), Markup.Escape(m.Alert.Key),
                        m.Attempts.ToString(CultureInfo.InvariantCulture), Time(m.DeliveredAt), m.DeliveredAt is null ? Time(m.NextAttemptAt) : "", Markup.Escape(m.LastError ?? ""));
                }
                cli.Console.Write(table);
                return ExitCodes.Ok;
            }
            var alerts = await host.Alerts.ListAlertsAsync(parse.GetValue(all), max, ct);
            if (cli.WantsJson(parse))
            {
                cli.WriteJson([.. alerts.Select(a => new AlertJson(a.Key, a.Rule, a.Severity.ToString().ToLowerInvariant(), a.IsFiring ? "firing" : "resolved",
                    a.Summary, a.Description, a.Stage, a.Labels, a.FiringSince, a.ResolvedAt, a.LastNotifiedAt, a.Notifications))], AlertsJsonContext.Default.AlertJsonArray);
                return ExitCodes.Ok;
            }
            if (alerts.Count == 0)
            {
                cli.Output.WriteLine(parse.GetValue(all) ? "no alerts" : "no alerts firing");
                return ExitCodes.Ok;
            }
            var t = new Table().AddColumns("SEVERITY", "STATE", "ALERT", "SINCE", "TOLD", "SUMMARY");
            foreach (var a in alerts)
            {
                t.AddRow(a.Severity.ToString().ToLowerInvariant(), a.IsFiring ? "firing" : $"resolved {Time(a.ResolvedAt)}", Markup.Escape(a.Key), Time(a.FiringSince),
                    a.Notifications.ToString(CultureInfo.InvariantCulture), Markup.Escape(a.Summary));
            }
            cli.Console.Write(t);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command NotifyCommand(CliContext cli)
    {
        var name = new Argument<string>("name") { Description = "The Notifier to send a test message through" };
        var test = new Command("test", "Send one test message through a notifier now (not through the outbox) and say whether it was delivered; exit 1 if not") { name };
        test.SetAction(async (parse, ct) =>
        {
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            var notifier = parse.GetValue(name)!;
            var found = await host.Notifiers.GetAsync(notifier, ct);
            if (found is null) return cli.Fail(ExitCodes.NotFound, $"notifier '{notifier}' not found (rotor get notifiers lists them)");
            var now = host.Time.GetUtcNow();
            var alert = new AlertState
            {
                Key = $"RotorTest/{notifier}",
                Rule = "RotorTest",
                Severity = AlertSeverity.Info,
                Labels = AlertRules.Labels("RotorTest", ("notifier", notifier)),
                Summary = $"Test notification from Rotor through notifier {notifier}",
                Description = "Sent by `rotor notify test`: if you read this, alerts from Rotor reach you this way. Nothing needs to be done.",
                Stage = "test",
                FiringSince = now,
                LastNotifiedAt = now,
                Notifications = 1,
            };
            var message = OutboxMessage.For(notifier, new AlertNotification(AlertNotificationKind.Firing, alert, now)) with
            {
                IdempotencyKey = $"RotorTest/{notifier}@{now.ToUnixTimeMilliseconds()}",
            };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(found.Value.Spec.Timeout);
            try
            {
                await found.Value.Channel.SendAsync(message, timeout.Token);
            }
            catch (AlertDeliveryException e)
            {
                return cli.Fail(ExitCodes.Failed, $"not delivered: {e.Message}");
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                return cli.Fail(ExitCodes.Failed, $"not delivered: notifier {notifier} did not finish within its timeout ({Core.Resources.DurationParser.Format(found.Value.Spec.Timeout)})");
            }
            cli.Output.WriteLine($"delivered a test message through notifier {notifier} ({found.Value.Spec.Kind.ToString().ToLowerInvariant()})");
            return ExitCodes.Ok;
        });
        return new Command("notify", "Notifier tools") { test };
    }
}

internal sealed record AlertJson(string Key, string Rule, string Severity, string State, string Summary, string Description, string Stage,
    IReadOnlyDictionary<string, string> Labels, DateTimeOffset FiringSince, DateTimeOffset? ResolvedAt, DateTimeOffset LastNotifiedAt, int Notifications);

internal sealed record OutboxJson(long Id, string Notifier, string Kind, string Alert, string IdempotencyKey, int Attempts,
    DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt, string? LastError);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AlertJson[]))]
[JsonSerializable(typeof(OutboxJson[]))]
internal sealed partial class AlertsJsonContext : JsonSerializerContext;
