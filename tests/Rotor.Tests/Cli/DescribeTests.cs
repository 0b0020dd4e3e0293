using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Rotor.Cli;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Scheduling;
using Rotor.Storage;
using Rotor.Tests.Support;

namespace Rotor.Tests.Cli;

/// <summary><c>rotor describe target|endpoint NAME</c>, the kinds describe names, and the STATUS column of <c>get certificates</c>.</summary>
public class DescribeTests
{
    private const string Endpoint = """
        apiVersion: rotor/v1
        kind: Endpoint
        metadata: {name: edge}
        spec: {host: sip.example.test, port: 5062, sip: true}
        """;

    private static string CertificateProbing(string name) =>
        Manifests.Certificate(name).Replace($"{{target: out, path: out/{name}}}", $"{{target: out, path: out/{name}, endpoints: [edge]}}", StringComparison.Ordinal);

    [Fact]
    public async Task Describe_target_shows_its_kind_settings_and_each_certificate_deployed_to_it()
    {
        using var rotor = new TestRotor();
        var manifest = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate("a")));
        Assert.Equal(0, (await rotor.RunAsync("reconcile", "-f", manifest)).Code);
        // b is stored but not rolled out yet.
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", rotor.WriteManifest(Manifests.Certificate("b"), "b.yaml"))).Code);

        var (code, text, _) = await rotor.RunAsync("describe", "target", "out");

        Assert.Equal(0, code);
        Assert.Contains("Kind:       File\n", text, StringComparison.Ordinal);
        Assert.Contains("  reload.command: echo reloaded >> reload.log\n", text, StringComparison.Ordinal);
        Assert.Matches(@"│ a\s+│ Leaf\s+│ 1\s+│ [0-9A-Fa-f]+\s+│ Promoted ", text);
        Assert.Matches(@"│ b\s+│ Leaf\s+│ -\s+│ -\s+│ not deployed yet ", text);

        using var json = JsonDocument.Parse((await rotor.RunAsync("describe", "target", "out", "-o", "json")).Out);
        var root = json.RootElement;
        Assert.Equal("File", root.GetProperty("kind").GetString());
        Assert.Equal("echo reloaded >> reload.log", root.GetProperty("settings").GetProperty("reload").GetProperty("command").GetString());
        var a = root.GetProperty("certificates").EnumerateArray().Single(c => c.GetProperty("certificate").GetString() == "a");
        Assert.Equal("Promoted", a.GetProperty("state").GetString());
        Assert.Equal("out/a", a.GetProperty("path").GetString());
        var b = root.GetProperty("certificates").EnumerateArray().Single(c => c.GetProperty("certificate").GetString() == "b");
        Assert.False(b.TryGetProperty("state", out _));
    }

    [Fact]
    public async Task Describe_endpoint_shows_its_address_who_probes_it_and_that_it_was_never_probed()
    {
        using var rotor = new TestRotor();
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Endpoint, CertificateProbing("sip-edge"))))).Code);

        var (code, text, _) = await rotor.RunAsync("describe", "endpoint", "edge");

        Assert.Equal(0, code);
        Assert.Contains("Address:     sip.example.test:5062\n", text, StringComparison.Ordinal);
        Assert.Contains("SNI:         sip.example.test\n", text, StringComparison.Ordinal);
        Assert.Contains("SIP OPTIONS: yes\n", text, StringComparison.Ordinal);
        Assert.Contains("Probed for:  sip-edge on out\n", text, StringComparison.Ordinal);
        Assert.Contains("Last probe:  never", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_health_gate_probe_is_kept_and_describe_endpoint_shows_its_time_fingerprint_and_error()
    {
        using var rotor = new TestRotor();
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Endpoint, CertificateProbing("sip-edge"))))).Code);
        var sha = new string('a', 64);
        await using (var host = await rotor.OpenHostAsync())
        {
            var stored = (await host.Store.GetResourceAsync(ResourceKinds.Certificate, "sip-edge", default))!;
            var probe = new AnsweringProbe(t => new ProbeResult(t, false, sha, [], false, 200, TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(12.5), null,
                "the chain does not build to the version's root") { Failure = ProbeFailure.Trust });
            var env = new RotationEnvironment("sip-edge", stored, host.Store, host.Keys, host.Targets, probe, rotor.Time, (_, _) => Task.CompletedTask, NullLogger.Instance);
            var endpoints = await env.GetEndpointsAsync(SpecSerializer.SpecOf<CertificateSpec>(stored).Deploy[0], default);
            rotor.Time.Advance(TimeSpan.FromMinutes(3));
            await env.Probe.ProbeAsync(Assert.Single(endpoints), default);
            Assert.Equal(1, probe.Calls);
        }

        var (code, text, _) = await rotor.RunAsync("describe", "endpoint", "edge");

        Assert.Equal(0, code);
        Assert.Contains("Last probe:  2026-11-23 12:03:00Z (health gate of sip-edge)\n", text, StringComparison.Ordinal);
        Assert.Contains("  result:        FAILED (trust)\n", text, StringComparison.Ordinal);
        Assert.Contains($"  sha256:        {sha}\n", text, StringComparison.Ordinal);
        Assert.Contains("  sip:           200\n", text, StringComparison.Ordinal);
        Assert.Contains("  handshake:     12.5 ms\n", text, StringComparison.Ordinal);
        Assert.Contains("  error:         the chain does not build to the version's root\n", text, StringComparison.Ordinal);

        using var json = JsonDocument.Parse((await rotor.RunAsync("describe", "endpoint", "edge", "-o", "json")).Out);
        var last = json.RootElement.GetProperty("lastProbe");
        Assert.Equal(TestRotor.Start.AddMinutes(3), last.GetProperty("at").GetDateTimeOffset());
        Assert.Equal(sha, last.GetProperty("sha256").GetString());
        Assert.False(last.GetProperty("success").GetBoolean());
        Assert.Equal("Trust", last.GetProperty("failure").GetString());
    }

    [Fact]
    public async Task The_last_probe_replaces_the_one_before()
    {
        using var rotor = new TestRotor();
        Assert.Equal(0, (await rotor.RunAsync("init")).Code);
        await using var host = await rotor.OpenHostAsync();
        var target = new ProbeTarget("sip.example.test", 5061);
        await host.Store.SaveEndpointProbeAsync(EndpointProbeRecord.From("edge", "a", new ProbeResult(target, false, null, [], false, null, TimeSpan.Zero, TimeSpan.Zero, null, "refused") { Failure = ProbeFailure.Connect }, TestRotor.Start), default);
        await host.Store.SaveEndpointProbeAsync(EndpointProbeRecord.From("edge", "b", new ProbeResult(target, true, "bb", [], true, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(4), null, null), TestRotor.Start.AddSeconds(1)), default);

        var last = await host.Store.GetEndpointProbeAsync("edge", default);

        Assert.Equal(new EndpointProbeRecord("edge", TestRotor.Start.AddSeconds(1), "b", true, ProbeFailure.None, "bb", true, null, 4, null), last);
        Assert.Null(await host.Store.GetEndpointProbeAsync("other", default));
    }

    [Theory]
    [InlineData("widget")]
    [InlineData("issuers-and-more")]
    public async Task An_unknown_kind_lists_the_kinds_describe_shows(string kind)
    {
        using var rotor = new TestRotor();

        var (code, _, err) = await rotor.RunAsync("describe", kind, "x");

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains($"cannot describe '{kind}'; supported kinds: certificate, issuer, target, endpoint", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("target")]
    [InlineData("endpoint")]
    public async Task A_missing_target_or_endpoint_is_not_found(string kind)
    {
        using var rotor = new TestRotor();
        Assert.Equal(0, (await rotor.RunAsync("init")).Code);

        var (code, _, err) = await rotor.RunAsync("describe", kind, "nope");

        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Contains($"{kind} 'nope' not found", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_certificates_says_ready_or_pending_in_status()
    {
        using var rotor = new TestRotor();
        var manifest = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate("a")));
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", manifest)).Code);
        Assert.Matches(@"│ a\s+│ False .*│ Pending\s+│", (await rotor.RunAsync("get", "certificates")).Out);

        Assert.Equal(0, (await rotor.RunAsync("reconcile", "-f", manifest)).Code);

        Assert.Matches(@"│ a\s+│ True .*│ Ready\s+│", (await rotor.RunAsync("get", "certificates")).Out);
    }

    private sealed class AnsweringProbe(Func<ProbeTarget, ProbeResult> answer) : IProbe
    {
        public int Calls { get; private set; }

        public Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(answer(target));
        }
    }
}
