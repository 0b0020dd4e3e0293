using Rotor.Core.Alerts;
using Rotor.Core.Resources;

namespace Rotor.Tests.Alerts;

public class NotifierManifestTests
{
    private static ManifestParseResult Parse(string yaml) => ManifestParser.Parse(yaml, "alerts.yaml");

    [Fact]
    public void Each_notifier_kind_reads_with_its_defaults()
    {
        var result = Parse("""
            apiVersion: rotor/v1
            kind: Notifier
            metadata: {name: am}
            spec: {alertmanager: {url: "http://127.0.0.1:9093"}}
            ---
            apiVersion: rotor/v1
            kind: Notifier
            metadata: {name: hook}
            spec:
              timeout: 5s
              webhook: {url: "https://chat.example.test/hooks/1", format: slack, secretRef: {env: HOOK_KEY}}
            ---
            apiVersion: rotor/v1
            kind: Notifier
            metadata: {name: mail}
            spec:
              email: {host: 127.0.0.1, port: 2525, from: rotor@example.test, to: [noc@example.test], username: rotor, passwordRef: {file: smtp.pass}}
            ---
            apiVersion: rotor/v1
            kind: Notifier
            metadata: {name: trap}
            spec: {snmp: {host: 127.0.0.1, communityRef: {env: SNMP_COMMUNITY}, inform: true}}
            """);
        Assert.Empty(result.Errors);
        var specs = result.Resources.ToDictionary(r => r.Name, r => r.AsNotifier());
        Assert.Equal("http://127.0.0.1:9093", specs["am"].Alertmanager!.Url);
        Assert.Equal(NotifierSpec.DefaultTimeout, specs["am"].Timeout);
        Assert.Equal(WebhookFormat.Slack, specs["hook"].Webhook!.Format);
        Assert.Equal("HOOK_KEY", specs["hook"].Webhook!.SecretRef!.Env);
        Assert.Equal(TimeSpan.FromSeconds(5), specs["hook"].Timeout);
        Assert.Equal(SmtpSecurity.StartTls, specs["mail"].Email!.Security);
        Assert.Equal(2525, specs["mail"].Email!.Port);
        Assert.Equal(162, specs["trap"].Snmp!.Port);
        Assert.True(specs["trap"].Snmp!.Inform);
    }

    [Theory]
    [InlineData("{webhook: {url: ftp://x}}", "url")]
    [InlineData("{webhook: {url: 'https://x', format: discord}}", "known-value")]
    [InlineData("{webhook: {url: 'https://x', secretRef: hunter2}}", "secret-by-reference")]
    [InlineData("{email: {host: h, from: a@b, to: []}}", "required")]
    [InlineData("{email: {host: h, from: a@b, to: [c@d], username: u}}", "smtp-auth-pair")]
    [InlineData("{email: {host: h, from: a@b, to: [c@d], security: none, username: u, passwordRef: {env: P}}}", "smtp-auth-tls")]
    [InlineData("{snmp: {host: h}}", "required")]
    [InlineData("{snmp: {host: h, port: 70000, communityRef: {env: C}}}", "port-range")]
    [InlineData("{alertmanager: {url: 'http://x'}, webhook: {url: 'http://y'}}", "one-kind")]
    [InlineData("{pager: {}}", "known-kind")]
    public void Bad_notifiers_are_refused_with_the_rule(string spec, string rule)
    {
        var result = Parse($"apiVersion: rotor/v1\nkind: Notifier\nmetadata: {{name: n}}\nspec: {spec}\n");
        Assert.Contains(result.Errors, e => e.Rule == rule);
        Assert.Empty(result.Resources);
    }

    [Fact]
    public void Alerting_reads_thresholds_repeats_and_routes_and_routes_match_by_severity_and_label()
    {
        var result = Parse("""
            apiVersion: rotor/v1
            kind: Alerting
            metadata: {name: default}
            spec:
              expiryThresholds: [7d, 30d, 14d]
              criticalWithin: 3d
              renewalFailures: 5
              repeat: {critical: 30m, warning: 2h}
              routes:
                - notifiers: [am]
                  severities: [critical]
                  match: {certificate: "sip-*"}
            """);
        Assert.Empty(result.Errors);
        var spec = Assert.Single(result.Resources).AsAlerting();
        Assert.Equal([30, 14, 7], spec.Policy.ThresholdDays);
        Assert.Equal(3, spec.Policy.CriticalBelowDays);
        Assert.Equal(5, spec.Policy.RenewalFailuresBeforeAlert);
        Assert.Equal(TimeSpan.FromMinutes(30), spec.Policy.RepeatCritical);
        Assert.Equal(TimeSpan.FromHours(24), spec.Policy.RepeatInfo);
        var route = Assert.Single(spec.Routes);
        var alert = new AlertState { Key = "k", Rule = "r", Severity = AlertSeverity.Critical, Labels = new Dictionary<string, string> { ["certificate"] = "sip-edge" } };
        Assert.True(route.Matches(alert));
        Assert.False(route.Matches(alert with { Severity = AlertSeverity.Warning }));
        Assert.False(route.Matches(alert with { Labels = new Dictionary<string, string> { ["certificate"] = "web" } }));

        var errors = ReferenceValidator.Validate(result.Resources, (_, _) => false);
        var missing = Assert.Single(errors, e => e.Rule == "notifier-exists" && e.Message.Contains("'am'", StringComparison.Ordinal));
        // At the notifier's name in the route (line 10, `- notifiers: [am]`), not the document's start.
        Assert.Equal("spec.routes[0].notifiers[0]", missing.Field);
        Assert.Equal(10, missing.Line);
        Assert.Equal(19, missing.Column);
    }

    [Theory]
    [InlineData("expiryThresholds: [12h]", "threshold-days")]
    [InlineData("repeat: {critical: 10s}", "duration-range")]
    [InlineData("routes: [{severities: [loud]}]", "known-value")]
    [InlineData("renewalFailures: 0", "range")]
    public void Bad_alerting_is_refused_with_the_rule(string line, string rule)
    {
        var result = Parse($"apiVersion: rotor/v1\nkind: Alerting\nmetadata: {{name: default}}\nspec:\n  {line}\n");
        Assert.Contains(result.Errors, e => e.Rule == rule);
    }
}
