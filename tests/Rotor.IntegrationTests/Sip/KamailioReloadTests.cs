using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Sip;

/// <summary>What Kamailio does with replaced certificate files at <c>tls.reload</c>: the facts Rotor's Kamailio target relies on.</summary>
[Collection(SipCollection.Name)]
public sealed class KamailioReloadTests
{
    [Fact]
    public async Task After_a_new_pair_and_a_reload_new_handshakes_present_the_new_fingerprint()
    {
        await using var kamailio = await KamailioLab.StartAsync();
        if (!kamailio.Require()) return;
        var old = (await kamailio.ProbeAsync()).LeafSha256;
        var pair = await kamailio.IssueAsync("next");

        await kamailio.InstallAsync(pair);
        // Files alone change nothing: Kamailio reads them at reload.
        Assert.Equal(old, (await kamailio.ProbeAsync()).LeafSha256);
        var reload = await kamailio.ReloadAsync();

        Assert.True(reload.Ok, reload.Output);
        Assert.Equal(KamailioReload.OkReply, reload.Reply);
        Assert.Equal("ok", reload.Outcome);
        var result = await kamailio.ProbeAsync(sipOptions: true);
        Assert.True(result.Success, result.Error);
        Assert.Equal(pair.Sha256, result.LeafSha256);
        Assert.NotEqual(old, result.LeafSha256);
        Assert.Equal(200, result.SipStatusCode);
    }

    [Fact]
    public async Task A_key_that_does_not_match_is_refused_and_the_old_certificate_stays_in_service()
    {
        await using var kamailio = await KamailioLab.StartAsync();
        if (!kamailio.Require()) return;
        var old = kamailio.LiveSha256();
        var first = await kamailio.IssueAsync("first");
        var second = await kamailio.IssueAsync("second");

        // The new certificate with another pair's key: what a half-finished deploy looks like.
        await kamailio.InstallAsync(await File.ReadAllTextAsync(second.CertificatePath), await File.ReadAllTextAsync(first.PrivateKeyPath));
        var reload = await kamailio.ReloadAsync();

        Assert.False(reload.Ok);
        Assert.Equal("refused", reload.Outcome);
        Assert.StartsWith("error: 500", reload.Reply, StringComparison.Ordinal);
        Assert.Contains("key values mismatch", reload.Output, StringComparison.Ordinal);
        var result = await kamailio.ProbeAsync(sipOptions: true);
        Assert.True(result.Success, result.Error);
        Assert.Equal(old, result.LeafSha256);

        // The matching key completes the pair; the next reload takes it.
        await kamailio.InstallAsync(second);
        Assert.True((await kamailio.ReloadAsync()).Ok);
        Assert.Equal(second.Sha256, (await kamailio.ProbeAsync()).LeafSha256);
    }

    [Fact]
    public async Task A_reload_of_a_stopped_kamailio_is_unreachable_and_a_probe_fails_to_connect()
    {
        await using var kamailio = await KamailioLab.StartAsync();
        if (!kamailio.Require()) return;

        await kamailio.StopAsync();
        var reload = await kamailio.ReloadAsync();
        var result = await kamailio.ProbeAsync();

        Assert.False(reload.Ok);
        Assert.Equal("unreachable", reload.Outcome);
        Assert.False(result.Success);
        Assert.Equal(Rotor.Core.Abstractions.ProbeFailure.Connect, result.Failure);
    }
}
