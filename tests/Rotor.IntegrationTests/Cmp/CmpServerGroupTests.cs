using System.Globalization;
using Rotor.Cmp;
using Rotor.Cmp.Transport;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Cmp;

/// <summary>Round-robin over a group of mock servers; a transaction never changes server midway.</summary>
[Collection(CmpLabCollection.Name)]
public sealed class CmpServerGroupTests(CmpLab lab) : IDisposable
{
    private readonly CmpHttpTransport _http = new();

    private static Uri Dead => new($"http://127.0.0.1:{CmpLab.DeadPort.ToString(CultureInfo.InvariantCulture)}/pkix/");

    [Fact]
    public async Task A_dead_first_server_sends_the_transaction_to_the_next_one_and_later_ones_go_there_directly()
    {
        if (!lab.Require()) return;
        var group = new CmpServerGroup(Dead, lab.Url("ok"));
        var wire = new CmpRecordingTransport(_http);
        var client = new CmpClient(group, wire);
        using var key = lab.Key("ee1");
        using var secret = lab.SharedSecret();

        var first = await client.InitialRequestAsync(lab.Request(key), secret, default);
        var second = await client.InitialRequestAsync(lab.Request(key), secret, default);

        Assert.Equal(lab.Url("ok"), first.Server);
        Assert.Equal(lab.Url("ok"), second.Server);
        Assert.Equal(lab.Url("ok"), group.Current);
        var exchanges = wire.Exchanges;
        Assert.Equal((Dead, "ir", ""), exchanges[0]);
        Assert.All(exchanges.Skip(1), x => Assert.Equal(lab.Url("ok"), x.Server));
        Assert.Equal(5, exchanges.Count);
        Assert.NotEqual(first.TransactionId, second.TransactionId);
    }

    [Fact]
    public async Task A_server_that_dies_mid_transaction_fails_that_transaction_and_only_the_next_one_moves()
    {
        if (!lab.Require()) return;
        lab.Stop("one-message");
        var dying = lab.Url("one-message"); // answers one request (the ir), then exits
        try
        {
            var group = new CmpServerGroup(dying, lab.Url("ok"));
            var wire = new CmpRecordingTransport(_http);
            var client = new CmpClient(group, wire);
            using var key = lab.Key("ee1");
            using var secret = lab.SharedSecret();

            var e = await Assert.ThrowsAsync<CmpException>(() => client.InitialRequestAsync(lab.Request(key), secret, default));

            Assert.True(e.IsTransient);
            Assert.Equal(dying, e.Server);
            Assert.All(wire.Exchanges, x => Assert.Equal(dying, x.Server));
            Assert.Equal("ir ip certConf", wire.Sequence);
            Assert.Equal(lab.Url("ok"), group.Current);

            var next = await client.InitialRequestAsync(lab.Request(key), secret, default);
            Assert.Equal(lab.Url("ok"), next.Server);
            Assert.All(wire.Exchanges.Skip(2), x => Assert.Equal(lab.Url("ok"), x.Server));
            Assert.NotEqual(e.TransactionId, next.TransactionId);
        }
        finally
        {
            lab.Stop("one-message");
        }
    }

    public void Dispose() => _http.Dispose();
}
