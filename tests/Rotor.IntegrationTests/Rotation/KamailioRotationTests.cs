using System.Globalization;
using Rotor.Core.Rotation;
using Rotor.IntegrationTests.Sip;
using Rotor.IntegrationTests.Support;
using Xunit.Abstractions;

namespace Rotor.IntegrationTests.Rotation;

/// <summary>
/// Rotor rotating the certificate of a real Kamailio (tests/env/sip) through its Kamailio target:
/// reload checked by reply and handshake, health gate over real TLS + SIP OPTIONS probes, rollback,
/// an HA pair, all while sipp places calls through Kamailio.
/// </summary>
[Collection(SipCollection.Name)]
public sealed class KamailioRotationTests(ITestOutputHelper output)
{
    private static string Target(KamailioLab k, string name, string? group = null) => $"""
        apiVersion: rotor/v1
        kind: Target
        metadata: {"{"}name: {name}{"}"}
        spec:
          kamailio:
            ctlSocket: {k.ControlSocket}
            certificatePath: {k.CertificatePath}
            privateKeyPath: {k.PrivateKeyPath}
            tlsEndpoint: "{k.Host}:{k.TlsPort}"
            minReloadInterval: 1s
        ---
        apiVersion: rotor/v1
        kind: Endpoint
        metadata: {"{"}name: {name}-tls{"}"}
        spec: {"{"}host: {k.Host}, port: {k.TlsPort}, sni: {(group == "wrong-sni" ? "wrong.example.test" : k.ServerName)}, sip: true{"}"}
        """;

    private static string Certificate(string deploy, string gateWindow = "2s") => $"""
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {"{"}name: local{"}"}
        spec: {"{"}ca: {"{"}{"}"}{"}"}
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {"{"}name: edge{"}"}
        spec:
          commonName: localhost
          dnsNames: [localhost]
          ipAddresses: [127.0.0.1]
          duration: 720h
          issuerRef: {"{"}name: local{"}"}
          deploy:
        {deploy}
          rotation: {"{"}overlap: 30s, stagger: 1s, healthGate: {"{"}window: {gateWindow}, probesPerSecond: 5{"}"}{"}"}
        """;

    private static string Deploy(string target, string? group = null) =>
        $"    - {{target: {target}, endpoints: [{target}-tls]{(group is null ? "" : $", group: {group}")}}}";

    /// <summary>The CA certificates above the leaf in a stored chain (the local CA's root).</summary>
    private static List<System.Security.Cryptography.X509Certificates.X509Certificate2> Roots(Core.Abstractions.CertificateVersion v)
    {
        var chain = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        chain.ImportFromPem(v.ChainPem);
        return [.. chain.Skip(1)];
    }

    /// <summary>The fixture's CA and Rotor's root in one file, so the load's TLS shim accepts Kamailio before and after the first rotation.</summary>
    private static string TrustBoth(KamailioLab k, RotationRig rig)
    {
        var path = rig.Dir.Combine("shim-trust.pem");
        File.WriteAllText(path, File.ReadAllText(k.CaCertificatePath) + "\n" + File.ReadAllText(Path.Combine(rig.Data, "ca", "root.pem")));
        return path;
    }

    private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private async Task RotateAndCheckAsync(RotationRig rig, KamailioLab kamailio, int rotations, List<TimeSpan> durations)
    {
        var active = await rig.WaitForActiveAsync("edge", 0, TimeSpan.FromSeconds(60));
        for (var i = 0; i < rotations; i++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await rig.CliAsync("rotate", "edge");
            var next = await rig.WaitForActiveAsync("edge", active.Id, TimeSpan.FromSeconds(60));
            durations.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started));
            var records = await rig.Host.Store.ListRotationsAsync(next.Id, default);
            Assert.Equal(RotationState.Promoted, Assert.Single(records).State);
            var probe = await kamailio.ProbeAsync(sipOptions: true, trust: Roots(next));
            Assert.True(probe.Success, probe.Error);
            Assert.True(Same(next.Sha256Fingerprint, probe.LeafSha256), $"rotation {i + 1}: Kamailio presents {probe.LeafSha256}, not version {next.Id}");
            active = next;
        }
    }

    /// <summary>
    /// Rotor managing <paramref name="kamailio"/>'s certificate (first version already in service),
    /// then <paramref name="rotations"/> rotations while sipp calls at 20 calls/s for <paramref name="seconds"/>.
    /// </summary>
    private async Task<(SipLoadResult Load, string Durations)> RotateUnderLoadAsync(KamailioLab kamailio, SipLoadMode mode, int seconds, int rotations)
    {
        await using var rig = new RotationRig();
        await rig.ApplyAsync(Certificate(Deploy("kam")) + "\n---\n" + Target(kamailio, "kam"));
        await rig.StartAsync();
        await rig.WaitForActiveAsync("edge", 0, TimeSpan.FromSeconds(60));

        await using var load = kamailio.StartLoad(20, TimeSpan.FromSeconds(seconds), mode, caFile: TrustBoth(kamailio, rig));
        var durations = new List<TimeSpan>();
        await RotateAndCheckAsync(rig, kamailio, rotations, durations);
        return (await load.WaitAsync(), string.Join(", ", durations.Select(d => d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture))) + " s");
    }

    [Fact]
    public async Task Ten_rotations_under_calls_on_one_long_lived_trunk_connection_drop_no_call()
    {
        // In full CI runs on 2026-12-01, 3 of 8 attempts met Kamailio's own fault (never in 10 runs
        // of this test alone): up to three attempts. An attempt counts only with 0 failed calls.
        var counted = await AttemptsAsync(3, async (kamailio, run) =>
        {
            var (result, durations) = await RotateUnderLoadAsync(kamailio, SipLoadMode.Trunk, seconds: 60, rotations: 10);
            output.WriteLine($"run {run}: 10 rotations in {durations}; load: {result}");
            return result;
        }, r => r.Failed == 0 && r.Successful > 0 && r.Successful >= r.Planned * 0.95);
        if (counted is not { } attempt) return;
        var (result, faults) = attempt;
        Assert.True(result.Failed == 0 && result.Successful > 0, $"{result}\nKamailio faults:\n{string.Join('\n', faults)}");
        Assert.True(result.Successful >= result.Planned * 0.95, result.ToString());
    }

    [Fact]
    public async Task Rotations_under_per_call_handshakes_end_with_the_new_certificate_served()
    {
        var counted = await AttemptsAsync(2, async (kamailio, run) =>
        {
            var (result, durations) = await RotateUnderLoadAsync(kamailio, SipLoadMode.PerCall, seconds: 30, rotations: 4);
            // The Kamailio target retries a refused reload by itself; Kamailio logs each refusal.
            var refused = File.ReadLines(kamailio.LogPath).Count(l => l.Contains("load_cert", StringComparison.Ordinal) || l.Contains("key values mismatch", StringComparison.Ordinal));
            output.WriteLine($"run {run}: 4 rotations ({durations}), {refused} reload(s) Kamailio refused and Rotor retried; " +
                $"failed calls: {result.Failed}, failed handshakes: {result.TlsHandshakesFailed}; {result}");
            if (result.Failed > 0 || result.TlsHandshakesFailed > 0)
            {
                output.WriteLine("Kamailio log (faults):\n" + string.Join('\n', kamailio.KamailioFaults()));
            }
            return result;
        }, r => r.Successful >= r.Planned * 0.95);
        if (counted is not { Result: var result }) return;
        // Kamailio itself occasionally drops a handshake during a reload under handshake load (its
        // own tls.reload bug); Rotor's part is that every rotation ends served. A few calls at most.
        Assert.True(result.Successful >= result.Planned * 0.95, result.ToString());
    }

    /// <summary>
    /// Runs a load scenario on a fresh Kamailio. An attempt that falls short of <paramref name="enough"/>
    /// because Kamailio 5.6 closed a connection with a TLS protocol error of its own (its tls.reload
    /// fault, kamailio#3319; tests/env/sip/README.md; sipp then ends the whole load, so the calls it
    /// never made count as failed too) is reported and the scenario runs again, up to
    /// <paramref name="attempts"/> in all. Returns the attempt that counts, or null when Kamailio is
    /// not installed and the test is skipped.
    /// </summary>
    private async Task<(SipLoadResult Result, IReadOnlyList<string> Faults)?> AttemptsAsync(int attempts,
        Func<KamailioLab, int, Task<SipLoadResult>> scenario, Func<SipLoadResult, bool> enough)
    {
        for (var run = 1; ; run++)
        {
            await using var kamailio = await KamailioLab.StartAsync();
            if (!kamailio.Require()) return null;
            SipLoadResult result;
            try
            {
                result = await scenario(kamailio, run);
            }
            catch (TimeoutException e) when (run < attempts && KamailioItselfDied(kamailio) is { Count: > 0 } crash)
            {
                // Kamailio's reload fault can also take the whole server down (a double free in
                // tls.reload; its control socket is then gone and no rotation can finish).
                output.WriteLine($"Kamailio itself died during a reload ({e.Message.Split('\n')[0]}); running the scenario again on a fresh Kamailio:\n" +
                    string.Join('\n', crash));
                continue;
            }
            var faults = kamailio.KamailioFaults();
            var kamailioClosedAConnection = result.Failed > 0 && result.FailedTcpClosed > 0 && faults.Any(f => f.Contains("protocol level error", StringComparison.Ordinal));
            if (run < attempts && !enough(result) && kamailioClosedAConnection)
            {
                output.WriteLine("Kamailio closed a connection itself (its known reload fault); running the scenario again on a fresh Kamailio:\n" + string.Join('\n', faults));
                continue;
            }
            return (result, faults);
        }
    }

    /// <summary>Kamailio's own log lines that show it crashed (not a refusal or a closed connection).</summary>
    private static IReadOnlyList<string> KamailioItselfDied(KamailioLab kamailio) =>
        [.. kamailio.KamailioFaults().Where(f => f.Contains("freeing already freed pointer", StringComparison.Ordinal) || f.Contains("exited by a signal", StringComparison.Ordinal)
            || f.Contains("SIGSEGV", StringComparison.Ordinal) || f.Contains("SIGABRT", StringComparison.Ordinal))];

    [Fact]
    public async Task A_version_that_fails_the_gate_is_rolled_back_and_the_previous_certificate_served_again()
    {
        await using var kamailio = await KamailioLab.StartAsync();
        if (!kamailio.Require()) return;
        var original = kamailio.LiveSha256();
        await using var rig = new RotationRig();
        // The endpoint is probed with a name the certificate does not carry: the chain is fine,
        // the name check is not, so every gate probe fails.
        await rig.ApplyAsync(Certificate(Deploy("kam")) + "\n---\n" + Target(kamailio, "kam", group: "wrong-sni"));
        await rig.StartAsync();

        await Wait.UntilAsync(() => rig.EventsAsync("edge").GetAwaiter().GetResult().Any(e => e.Reason == "RolledBack"), TimeSpan.FromSeconds(60),
            () => "a rollback; events:\n" + rig.EventsText("edge"));
        await Wait.UntilAsync(() => (rig.Host.Store.GetStatusAsync("edge", default).GetAwaiter().GetResult()?.Failures ?? 0) > 0, TimeSpan.FromSeconds(10), () => "the failure to be recorded");

        var probe = await kamailio.ProbeAsync();
        Assert.True(Same(original, probe.LeafSha256), "Kamailio serves the certificate it had before");
        Assert.True(Same(original, kamailio.LiveSha256()), "the previous files are back");
        var events = await rig.EventsAsync("edge");
        var gate = Assert.Single(events, e => e.Reason == "GateFailed");
        Assert.Contains("kam", gate.Message, StringComparison.Ordinal);
        Assert.Contains("wrong.example.test", gate.Message, StringComparison.Ordinal);
        var version = Assert.Single(await rig.Host.Store.ListVersionsAsync("edge", default));
        Assert.Equal(VersionState.Failed, version.State);
        var status = (await rig.Host.Store.GetStatusAsync("edge", default))!;
        Assert.StartsWith("RolledBack", status.LastFailure, StringComparison.Ordinal);
        Assert.True(status.NextDueAt > TimeProvider.System.GetUtcNow().AddSeconds(5), "the certificate backs off before trying again");
    }

    [Fact]
    public async Task Ha_pair_is_promoted_only_when_both_serve_it_and_waits_while_one_is_down()
    {
        var (first, second) = await KamailioLab.StartPairAsync();
        await using var a = first;
        await using var b = second;
        if (!a.Require()) return;
        await using var rig = new RotationRig();
        await rig.ApplyAsync(Certificate(Deploy("kam-1", "pair") + "\n" + Deploy("kam-2", "pair")) + "\n---\n" + Target(a, "kam-1") + "\n---\n" + Target(b, "kam-2"));
        await rig.StartAsync();

        var v1 = await rig.WaitForActiveAsync("edge", 0, TimeSpan.FromSeconds(60));
        Assert.True(Same(v1.Sha256Fingerprint, (await a.ProbeAsync(trust: Roots(v1))).LeafSha256));
        Assert.True(Same(v1.Sha256Fingerprint, (await b.ProbeAsync(trust: Roots(v1))).LeafSha256));
        var promoted = (await rig.EventsAsync("edge")).Where(e => e.Reason == "Promoted").ToList();
        Assert.Equal(2, promoted.Count);
        Assert.True((promoted[1].At - promoted[0].At).Duration() < TimeSpan.FromSeconds(1), "the pair is promoted together");

        await b.StopAsync();
        await rig.CliAsync("rotate", "edge");
        await Wait.UntilAsync(() => rig.EventsAsync("edge").GetAwaiter().GetResult().Any(e => e.Type == Core.Abstractions.EventType.Warning && e.Message.Contains("kam-2", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), () => "an alert about kam-2; events:\n" + rig.EventsText("edge"));
        await Task.Delay(TimeSpan.FromSeconds(3));

        var versions = await rig.Host.Store.ListVersionsAsync("edge", default);
        Assert.Equal(VersionState.Active, versions.Single(v => v.Id == v1.Id).State); // not superseded, not retired
        var v2 = versions.Single(v => v.Id > v1.Id);
        Assert.Equal(VersionState.Issued, v2.State);
        Assert.DoesNotContain(await rig.Host.Store.ListRotationsAsync(v2.Id, default), r => r.State == RotationState.Promoted);
        Assert.All(await rig.Host.Store.ListRotationsAsync(v1.Id, default), r => Assert.Equal(RotationState.Promoted, r.State));
    }
}
