using System.Globalization;
using System.Text.Json;
using Rotor.Cli;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Sip;

/// <summary>Rotor's TLS probe and <c>rotor probe</c> against a real Kamailio.</summary>
[Collection(SipCollection.Name)]
public sealed class KamailioProbeTests
{
    [Fact]
    public async Task The_probe_sees_the_configured_certificate_trusted_by_the_fixture_ca()
    {
        await using var kamailio = await KamailioLab.StartAsync();
        if (!kamailio.Require()) return;

        var result = await kamailio.ProbeAsync();

        Assert.True(result.Success, result.Error);
        Assert.True(result.ChainTrusted);
        Assert.Equal(kamailio.LiveSha256(), result.LeafSha256);
        Assert.Single(result.PresentedChain);
        Assert.True(result.HandshakeTime > TimeSpan.Zero);
    }

    [Fact]
    public async Task Rotor_probe_with_sip_gets_kamailios_200_to_options_and_the_fingerprint()
    {
        await using var kamailio = await KamailioLab.StartAsync();
        if (!kamailio.Require()) return;

        // The real executable, as a user runs it.
        var (code, output, errors) = await RotorProcess.RunAsync(kamailio.Directory, TimeSpan.FromSeconds(60), "probe",
            $"127.0.0.1:{kamailio.TlsPort}", "--sni", kamailio.ServerName, "--trust", kamailio.CaCertificatePath, "--sip",
            "--count", "3", "--interval", "0s", "-o", "json");

        Assert.True(code == ExitCodes.Ok, errors + output);
        using var json = JsonDocument.Parse(output);
        foreach (var probe in json.RootElement.GetProperty("probes").EnumerateArray())
        {
            Assert.True(probe.GetProperty("success").GetBoolean());
            Assert.Equal(200, probe.GetProperty("sipStatus").GetInt32());
            Assert.Equal(kamailio.LiveSha256(), probe.GetProperty("sha256").GetString());
            Assert.True(probe.GetProperty("sipMs").GetDouble() > 0);
        }
        Assert.Equal(3, json.RootElement.GetProperty("summary").GetProperty("successes").GetInt32());
    }

    [Fact]
    public async Task A_chain_with_an_intermediate_is_presented_whole_and_trusted_through_the_root_alone()
    {
        await using var kamailio = await KamailioLab.StartAsync(new KamailioLabOptions { IntermediateChain = true });
        if (!kamailio.Require()) return;

        var result = await kamailio.ProbeAsync(sipOptions: true);

        Assert.True(result.Success, result.Error);
        Assert.Equal(2, result.PresentedChain.Count);
        Assert.Contains("Intermediate", result.PresentedChain[1].Subject, StringComparison.Ordinal);
        Assert.Equal(200, result.SipStatusCode);
    }

    [Fact]
    public async Task Without_the_fixture_ca_the_probe_reports_untrusted_and_rotor_probe_exits_1()
    {
        await using var kamailio = await KamailioLab.StartAsync();
        if (!kamailio.Require()) return;

        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await RotorCli.InvokeAsync(["probe", $"127.0.0.1:{kamailio.TlsPort}", "--sni", "localhost", "-o", "json"], output, error);

        Assert.Equal(ExitCodes.Failed, code);
        using var json = JsonDocument.Parse(output.ToString());
        var probe = json.RootElement.GetProperty("probes")[0];
        Assert.False(probe.GetProperty("chainTrusted").GetBoolean());
        Assert.Equal("trust", probe.GetProperty("failure").GetString());
        Assert.Equal(kamailio.LiveSha256(), probe.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Two_instances_run_as_an_ha_pair_each_with_its_own_ports_certificate_and_reload()
    {
        var (first, second) = await KamailioLab.StartPairAsync();
        await using (first)
        await using (second)
        {
            if (!first.Require() || !second.Require()) return;
            Assert.NotEqual(first.TlsPort, second.TlsPort);
            Assert.True(Math.Abs(first.TlsPort - second.TlsPort) >= 4);

            var before = await second.ProbeAsync();
            var pair = await first.IssueAsync("next");
            await first.InstallAsync(pair);
            Assert.True((await first.ReloadAsync()).Ok);

            Assert.Equal(pair.Sha256, (await first.ProbeAsync()).LeafSha256);
            var after = await second.ProbeAsync();
            Assert.True(after.Success, after.Error);
            Assert.Equal(before.LeafSha256, after.LeafSha256);
            Assert.NotEqual(first.LiveSha256(), second.LiveSha256());
        }
    }
}
