using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Rotor.Cli;
using Rotor.Core.Alerts;
using Rotor.IntegrationTests.Support;
using Rotor.Telemetry;
using Rotor.Testing;

namespace Rotor.IntegrationTests.Alerts;

/// <summary>
/// Receivers that are down: the outbox keeps each message, records every attempt and its error,
/// tries again along the backoff (time on a FakeTimeProvider), and delivers each exactly once
/// when the receiver is back — counted at the receivers themselves.
/// </summary>
[Collection(AlertsLabCollection.Name)]
public class AlertDeliveryRetryTests(AlertsLab lab)
{
    internal static async Task ApplyAsync(string manifest, TempDir dir, string data)
    {
        File.WriteAllText(dir.Combine("rotor.yaml"), manifest);
        var output = new StringWriter();
        var code = await RotorCli.InvokeAsync(["apply", "-f", dir.Combine("rotor.yaml"), "--data", data], output, output, TimeProvider.System);
        Assert.True(code == 0, output.ToString());
    }

    internal static AlertState Alert(string certificate, DateTimeOffset since) => new()
    {
        Key = $"CertificateExpiring/{certificate}",
        Rule = "CertificateExpiring",
        Severity = AlertSeverity.Warning,
        Labels = new Dictionary<string, string> { ["alertname"] = "CertificateExpiring", ["certificate"] = certificate, ["issuer"] = "local" },
        Summary = $"Certificate {certificate} expires in 13 days",
        Description = "Renewal has not happened yet; check the issuer.",
        Stage = "14d",
        FiringSince = since,
        LastNotifiedAt = since,
        Notifications = 1,
    };

    [Fact]
    public async Task A_message_for_a_receiver_that_is_down_is_retried_with_its_error_recorded_and_delivered_once_when_it_is_back()
    {
        if (!lab.Require()) return;
        using var dir = new TempDir();
        using var hook = new WebhookReceiver(TimeSpan.FromMinutes(3)) { Status = HttpStatusCode.ServiceUnavailable };
        var hmacKey = "hmac-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        AlertChannelTests.WriteSecrets(lab, dir, hmacKey);
        var data = dir.Combine("data");
        // The notifiers of the end-to-end test without the trap one: a trap is never acknowledged, so
        // one sent while snmptrapd is down is gone (SNMP's choice); informs are what can be retried.
        var manifest = AlertChannelTests.Manifest(lab, hook.Url, "480h");
        var traps = manifest.IndexOf("---\napiVersion: rotor/v1\nkind: Notifier\nmetadata: {name: traps}", StringComparison.Ordinal);
        var informs = manifest.IndexOf("---\napiVersion: rotor/v1\nkind: Notifier\nmetadata: {name: informs}", StringComparison.Ordinal);
        Assert.True(traps > 0 && informs > traps);
        await ApplyAsync(manifest[..traps] + manifest[informs..], dir, data);

        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var log = new StringWriter();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new TextWriterLoggerProvider(TextWriter.Synchronized(log), time, LogLevel.Trace, json: false)));
        await using var host = await RotorHost.OpenAsync(data, time, loggers, null, default);
        var certificate = "trunk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var notification = new AlertNotification(AlertNotificationKind.Firing, Alert(certificate, time.GetUtcNow()), time.GetUtcNow());
        var notifiers = new[] { "am", "hook", "mail", "informs" };
        Assert.True(await host.Alerts.CommitAlertsAsync([], [.. notifiers.Select(n => OutboxMessage.For(n, notification))], default));
        var mailBefore = lab.Mail().Count;
        var trapsBefore = lab.Traps().Count;

        lab.Stop("alertmanager");
        lab.Stop("smtp");
        lab.Stop("snmptrapd");
        try
        {
            var dispatcher = host.AlertDispatcher;
            Assert.Equal(new(0, 4), await dispatcher.DeliverDueAsync(default));
            Assert.Equal(new(0, 0), await dispatcher.DeliverDueAsync(default)); // not due again yet
            time.Advance(TimeSpan.FromSeconds(34)); // past the first step (30 s + up to 10 %)
            Assert.Equal(new(0, 4), await dispatcher.DeliverDueAsync(default));
            var outbox = (await host.Alerts.ListOutboxAsync(10, default)).ToDictionary(m => m.Notifier);
            Assert.All(notifiers, n => Assert.Equal(2, outbox[n].Attempts));
            Assert.All(outbox.Values, m => Assert.Null(m.DeliveredAt));
            Assert.All(outbox.Values, m => Assert.True(m.NextAttemptAt > time.GetUtcNow() + TimeSpan.FromSeconds(59), $"{m.Notifier}: next attempt {m.NextAttemptAt:o}"));
            Assert.Contains("cannot be reached", outbox["am"].LastError, StringComparison.Ordinal);
            Assert.Contains("HTTP 503", outbox["hook"].LastError, StringComparison.Ordinal);
            Assert.Contains("SMTP 127.0.0.1:", outbox["mail"].LastError, StringComparison.Ordinal);
            Assert.Contains("SNMP manager 127.0.0.1:", outbox["informs"].LastError, StringComparison.Ordinal);
        }
        finally
        {
            lab.Start("alertmanager");
            lab.Start("smtp");
            lab.Start("snmptrapd");
        }
        hook.Status = HttpStatusCode.OK;

        time.Advance(TimeSpan.FromSeconds(70));
        Assert.Equal(new(4, 0), await host.AlertDispatcher.DeliverDueAsync(default));
        time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(new(0, 0), await host.AlertDispatcher.DeliverDueAsync(default));

        // Exactly once at every receiver.
        var delivered = await host.Alerts.ListOutboxAsync(10, default);
        Assert.All(delivered, m => Assert.Equal(3, m.Attempts));
        Assert.All(delivered, m => Assert.NotNull(m.DeliveredAt));
        Assert.Single(lab.Mail().Skip(mailBefore), m => m.Eml.Contains($"Certificate: {certificate}", StringComparison.Ordinal));
        Assert.Single(lab.Traps().Skip(trapsBefore), t => t.Contains($"STRING: \"{certificate}\"", StringComparison.Ordinal));
        Assert.Single(hook.Requests);
        Assert.Single((await lab.AlertmanagerAlertsAsync()).EnumerateArray(), a => a.GetProperty("labels").GetProperty("certificate").GetString() == certificate);

        // The failures were logged and stored without a secret.
        var everything = log + string.Join("\n", delivered.Select(m => m.LastError));
        Assert.Equal(8, log.ToString().Split('\n').Count(l => l.Contains($"Alert CertificateExpiring/{certificate} not delivered", StringComparison.Ordinal)));
        foreach (var secret in new[] { lab.SmtpPassword, hmacKey, lab.Community }) Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
    }
}
