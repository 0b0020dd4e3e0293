using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Sip;

/// <summary>Real calls over TLS through Kamailio while its certificate changes.</summary>
[Collection(SipCollection.Name)]
public sealed class SipLoadTests
{
    [Fact]
    public async Task A_trunk_keeps_every_call_across_a_reload_and_new_handshakes_see_the_new_certificate()
    {
        await using var kamailio = await KamailioLab.StartAsync();
        if (!kamailio.Require()) return;
        var pair = await kamailio.IssueAsync("next");

        // 10 calls/s for 10 s over one long-lived TLS connection; the reload lands mid-way while
        // calls run on it and no new handshake is under way (see KamailioLab's remarks).
        await using var load = kamailio.StartLoad(rate: 10, TimeSpan.FromSeconds(10), SipLoadMode.Trunk, hold: TimeSpan.FromMilliseconds(500));
        await Task.Delay(TimeSpan.FromSeconds(4));
        await kamailio.InstallAsync(pair);
        var reload = await kamailio.ReloadAsync();
        var result = await load.WaitAsync();

        Assert.True(reload.Ok, reload.Output);
        Assert.True(result.Passed, result + "\n" + string.Join("\n", kamailio.KamailioFaults()) + "\n" + result.Output);
        Assert.Equal(100, result.Planned);
        Assert.Equal(100, result.Successful);
        Assert.Equal(0, result.Failed);
        Assert.Equal(1, result.TlsConnections);
        Assert.Equal(pair.Sha256, (await kamailio.ProbeAsync()).LeafSha256);
    }

    [Fact]
    public async Task Per_call_connections_make_one_verified_handshake_per_call_and_every_call_completes()
    {
        await using var kamailio = await KamailioLab.StartAsync();
        if (!kamailio.Require()) return;

        await using var load = kamailio.StartLoad(rate: 10, TimeSpan.FromSeconds(3), SipLoadMode.PerCall);
        var result = await load.WaitAsync();

        Assert.True(result.Passed, result + "\n" + result.Output);
        Assert.Equal(30, result.Successful);
        Assert.Equal(30, result.TlsHandshakesOk);
        Assert.Equal(0, result.TlsHandshakesFailed);
    }
}
