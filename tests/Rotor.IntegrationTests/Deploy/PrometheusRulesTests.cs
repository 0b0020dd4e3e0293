using System.Diagnostics;
using Rotor.IntegrationTests.Support;
using Rotor.Targets;
using Rotor.Testing;

namespace Rotor.IntegrationTests.Deploy;

/// <summary>deploy/prometheus/rotor-alerts.yml is valid and fires as its unit tests say, checked by Prometheus's own promtool.</summary>
public class PrometheusRulesTests
{
    private static string Folder => Path.Combine(Checkout.Root(), "deploy", "prometheus");

    private static async Task<(int Code, string Output)?> PromtoolAsync(params string[] args)
    {
        if (!File.Exists("/usr/bin/promtool"))
        {
            EnvScript.Require(false, "promtool is not installed (Debian package prometheus; tests/env/install-deps.sh installs it)", "promtool");
            return null;
        }
        var psi = new ProcessStartInfo("/usr/bin/promtool") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var result = await ChildProcess.RunAsync(psi, null, TimeSpan.FromMinutes(2), CancellationToken.None);
        return (result.TimedOut ? -1 : result.ExitCode, result.Output + result.Errors);
    }

    [Fact]
    public async Task The_rules_pass_promtool_check()
    {
        if (await PromtoolAsync("check", "rules", "rotor-alerts.yml") is not { } r) return;
        Assert.True(r.Code == 0, r.Output);
        Assert.Contains("SUCCESS: 6 rules found", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rules_fire_as_their_unit_tests_expect()
    {
        if (await PromtoolAsync("test", "rules", "rotor-alerts.test.yml") is not { } r) return;
        Assert.True(r.Code == 0, r.Output);
        Assert.Contains("SUCCESS", r.Output, StringComparison.Ordinal);
    }
}
