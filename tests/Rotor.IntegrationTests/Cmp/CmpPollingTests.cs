using System.Diagnostics;
using Rotor.Cmp;
using Rotor.Cmp.Transport;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Cmp;

/// <summary>
/// Polling against the mock in scenario poll (two pollReq needed, checkAfter 1 s), in real
/// time: the waits here are the server's, not test logic (that is unit-tested with a fake clock).
/// The mock is restarted for each test.
/// </summary>
[Collection(CmpLabCollection.Name)]
public sealed class CmpPollingTests(CmpLab lab) : IDisposable
{
    private readonly CmpHttpTransport _http = new();

    private (CmpClient Client, CmpRecordingTransport Wire) Client(CmpClientOptions options)
    {
        // The mock keeps its poll counter across transactions: one abandoned mid-polling would
        // make the next one finish early. A fresh instance per test starts from zero.
        lab.Stop("poll");
        var wire = new CmpRecordingTransport(_http);
        return (new CmpClient(new CmpServerGroup(lab.Url("poll")), wire, options), wire);
    }

    [Fact]
    public async Task Waiting_then_pollRep_with_checkAfter_ends_in_the_certificate()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client(new CmpClientOptions { MaxPolls = 3 });
        using var key = lab.Key("ee1");
        using var secret = lab.SharedSecret();
        var clock = Stopwatch.StartNew();

        var result = await client.InitialRequestAsync(lab.Request(key), secret, default);

        Assert.Equal(2, result.Polls);
        Assert.Equal("ir ip pollReq pollRep pollReq ip certConf pkiConf", wire.Sequence);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"checkAfter 1 s was not honoured ({clock.Elapsed})");
        Assert.Equal(lab.Certificate("ee1").RawData, result.Certificate.RawData);
    }

    [Fact]
    public async Task A_poll_limit_below_what_the_server_needs_gives_up_transiently()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client(new CmpClientOptions { MaxPolls = 1 });
        using var key = lab.Key("ee1");
        using var secret = lab.SharedSecret();

        var e = await Assert.ThrowsAsync<CmpException>(() => client.InitialRequestAsync(lab.Request(key), secret, default));

        Assert.Equal(CmpReasons.PollingExhausted, e.Reason);
        Assert.True(e.IsTransient);
        Assert.Contains("after 1 pollReq (limit 1)", e.Message, StringComparison.Ordinal);
        // The abandoned transaction is ended with an error message, and no certificate is confirmed.
        Assert.StartsWith("ir ip pollReq pollRep error", wire.Sequence, StringComparison.Ordinal);
        Assert.DoesNotContain("certConf", wire.Sequence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkAfter_beyond_the_total_timeout_gives_up_without_waiting()
    {
        if (!lab.Require()) return;
        var (client, wire) = Client(new CmpClientOptions { MaxPolls = 5, MessageTimeout = TimeSpan.FromMilliseconds(700), TotalTimeout = TimeSpan.FromMilliseconds(800) });
        using var key = lab.Key("ee1");
        using var secret = lab.SharedSecret();
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<CmpException>(() => client.InitialRequestAsync(lab.Request(key), secret, default));

        Assert.Equal(CmpReasons.TotalTimeout, e.Reason);
        Assert.True(e.IsTransient);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"it waited ({clock.Elapsed})");
        Assert.StartsWith("ir ip pollReq pollRep", wire.Sequence, StringComparison.Ordinal);
    }

    public void Dispose() => _http.Dispose();
}
