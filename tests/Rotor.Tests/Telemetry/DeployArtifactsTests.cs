using System.Text.Json;
using System.Text.RegularExpressions;
using Rotor.Core.Alerts;
using Rotor.Storage.Sqlite;
using Rotor.Telemetry;
using Rotor.Testing;
using Rotor.Tests.Support;

namespace Rotor.Tests.Telemetry;

/// <summary>The shipped Prometheus rules and Grafana dashboard use only metrics Rotor exports.</summary>
public partial class DeployArtifactsTests
{
    [GeneratedRegex(@"\brotor_[a-z_]+\b")]
    private static partial Regex MetricName();

    private static async Task<string> MetricsAsync()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), TestRotor.Start, default);
        var policy = new AlertPolicy();
        var outcome = AlertBook.Evaluate([], [AlertRules.Expiry("sip-edge", "local", TestRotor.Start + TimeSpan.FromDays(2), policy.ThresholdDays, policy, TestRotor.Start)!], policy, TestRotor.Start);
        Assert.True(await store.CommitAlertsAsync(outcome.Changes, [.. outcome.Notifications.Select(n => OutboxMessage.For("ops", n))], default));
        var claimed = await store.ClaimDeliverableAsync(TestRotor.Start, TimeSpan.FromMinutes(1), 10, default);
        await store.MarkAttemptFailedAsync(claimed[0].Id, TestRotor.Start, "refused", default);
        var probes = new System.Text.StringBuilder();
        new ProbeHistograms().Render(probes);
        return await MetricsWriter.RenderAsync(store, default) + await Rotor.Scan.ScanMetrics.RenderAsync(store, default) + probes;
    }

    [Fact]
    public async Task Alert_metrics_count_firing_waiting_and_failed_attempts()
    {
        var metrics = await MetricsAsync();
        Assert.Contains("rotor_alerts_firing{severity=\"critical\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("rotor_alerts_firing{severity=\"warning\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("rotor_alert_notifications_waiting{notifier=\"ops\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("rotor_alert_delivery_failures_total{notifier=\"ops\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("rotor_alert_notifications_delivered_total{notifier=\"ops\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE rotor_alert_delivery_failures_total counter\n", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("deploy/prometheus/rotor-alerts.yml")]
    [InlineData("deploy/grafana/rotor-dashboard.json")]
    public async Task Every_metric_the_file_uses_is_exported(string file)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(Checkout.Root(), file));
        if (file.EndsWith(".json", StringComparison.Ordinal)) using (JsonDocument.Parse(text)) { }
        var exported = (await MetricsAsync()).Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToHashSet();
        // A histogram's series are its name with _bucket, _sum or _count.
        var used = MetricName().Matches(text).Select(m => Regex.Replace(m.Value, "_(bucket|sum|count)$", "")).Distinct().ToList();
        Assert.NotEmpty(used);
        Assert.All(used, name => Assert.True(exported.Contains(name), $"{file} uses {name}, which /metrics does not export"));
    }
}
