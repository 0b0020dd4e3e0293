using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Rotor.Acme.Challenges.Dns01;
using Rotor.Acme.Transport;
using Xunit.Abstractions;

namespace Rotor.IntegrationTests.Acme.Dns01;

/// <summary>RFC 2136 updates with TSIG against a real BIND 9 on 127.0.0.1.</summary>
[Collection(BindCollection.Name)]
public sealed class Rfc2136BindTests(BindServer bind, ITestOutputHelper output) : IDisposable
{
    private readonly CancellationTokenSource _bound = new(TimeSpan.FromSeconds(30));

    public void Dispose() => _bound.Dispose();

    private string Name() => $"_acme-challenge.{BindServer.UniqueLabel()}.{bind.Zone}.";

    [Fact]
    public async Task Added_value_is_served_and_cleanup_removes_it()
    {
        if (!bind.Require(output)) return;
        var provider = new Rfc2136Provider(bind.Options());
        var name = Name();
        await provider.AddTxtAsync(name, bind.Zone, "value-1", _bound.Token);
        Assert.Equal(["value-1"], await bind.TxtAsync(name, _bound.Token));

        await provider.RemoveTxtAsync(name, bind.Zone, "value-1", _bound.Token);
        Assert.Empty(await bind.TxtAsync(name, _bound.Token));
        // Removing again is fine: cleanup is idempotent.
        await provider.RemoveTxtAsync(name, bind.Zone, "value-1", _bound.Token);
    }

    [Fact]
    public async Task Two_values_under_one_name_coexist_and_leave_one_by_one()
    {
        if (!bind.Require(output)) return;
        var provider = new Rfc2136Provider(bind.Options());
        var name = Name();
        await Task.WhenAll(provider.AddTxtAsync(name, bind.Zone, "plain", _bound.Token), provider.AddTxtAsync(name, bind.Zone, "wildcard", _bound.Token));
        Assert.Equal(["plain", "wildcard"], await bind.TxtAsync(name, _bound.Token));

        await provider.RemoveTxtAsync(name, bind.Zone, "plain", _bound.Token);
        Assert.Equal(["wildcard"], await bind.TxtAsync(name, _bound.Token));
        await provider.RemoveTxtAsync(name, bind.Zone, "wildcard", _bound.Token);
        Assert.Empty(await bind.TxtAsync(name, _bound.Token));
    }

    [Fact]
    public async Task Wrong_secret_is_badsig_and_the_secret_is_not_shown()
    {
        if (!bind.Require(output)) return;
        var wrong = Convert.ToBase64String(new byte[32]);
        var provider = new Rfc2136Provider(bind.Options(secret: wrong));
        var name = Name();
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.AddTxtAsync(name, bind.Zone, "v", _bound.Token));
        Assert.StartsWith($"TSIG verification failed (BADSIG) updating {bind.Zone} at {bind.Server}", e.Message, StringComparison.Ordinal);
        Assert.Equal(Dns01Causes.Tsig, e.ProblemType);
        Assert.False(e.IsTransient);
        Assert.DoesNotContain(wrong, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(bind.Secret, e.ToString(), StringComparison.Ordinal);
        Assert.Empty(await bind.TxtAsync(name, _bound.Token));
    }

    [Fact]
    public async Task Unknown_key_is_badkey()
    {
        if (!bind.Require(output)) return;
        var provider = new Rfc2136Provider(bind.Options(keyName: "no-such-key"));
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.AddTxtAsync(Name(), bind.Zone, "v", _bound.Token));
        Assert.StartsWith($"TSIG verification failed (BADKEY) updating {bind.Zone} at {bind.Server}: the server does not know key no-such-key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clock_far_off_is_badtime()
    {
        if (!bind.Require(output)) return;
        var skewed = new FakeTimeProvider(TimeProvider.System.GetUtcNow().AddHours(2));
        var provider = new Rfc2136Provider(bind.Options(), skewed);
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.AddTxtAsync(Name(), bind.Zone, "v", _bound.Token));
        Assert.StartsWith($"TSIG verification failed (BADTIME) updating {bind.Zone} at {bind.Server}: the clocks", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zone_the_server_does_not_serve_is_notauth()
    {
        if (!bind.Require(output)) return;
        var provider = new Rfc2136Provider(bind.Options());
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.AddTxtAsync("_acme-challenge.x.nope.test.", "nope.test.", "v", _bound.Token));
        Assert.StartsWith($"DNS server {bind.Server} is not authoritative for zone nope.test (NOTAUTH)", e.Message, StringComparison.Ordinal);
        Assert.Equal(Dns01Causes.Zone, e.ProblemType);
    }

    [Fact]
    public async Task A_name_outside_the_zone_is_notzone()
    {
        if (!bind.Require(output)) return;
        var provider = new Rfc2136Provider(bind.Options());
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.AddTxtAsync("_acme-challenge.elsewhere.test.", bind.Zone, "v", _bound.Token));
        Assert.StartsWith($"_acme-challenge.elsewhere.test is outside zone {bind.Zone} (NOTZONE)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_fails_quickly_and_clearly()
    {
        if (!bind.Require(output)) return;
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var options = bind.Options();
        var provider = new Rfc2136Provider(new Rfc2136Options { Server = $"127.0.0.1:{port}", KeyName = options.KeyName, Secret = options.Secret, Algorithm = options.Algorithm });
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.AddTxtAsync(Name(), bind.Zone, "v", _bound.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.StartsWith($"DNS server 127.0.0.1:{port} did not answer", e.Message, StringComparison.Ordinal);
        Assert.Equal(Dns01Causes.Unreachable, e.ProblemType);
        Assert.True(e.IsTransient);
    }
}

/// <summary>The same round trip with an hmac-sha512 key.</summary>
public sealed class Rfc2136Sha512BindTests(BindServerSha512 bind, ITestOutputHelper output) : IClassFixture<BindServerSha512>
{
    [Fact]
    public async Task Hmac_sha512_updates_round_trip()
    {
        if (!bind.Require(output)) return;
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal("hmac-sha512", bind.Algorithm);
        var provider = new Rfc2136Provider(bind.Options());
        var name = $"_acme-challenge.{BindServer.UniqueLabel()}.{bind.Zone}.";
        await provider.AddTxtAsync(name, bind.Zone, "v512", bound.Token);
        Assert.Equal(["v512"], await bind.TxtAsync(name, bound.Token));
        await provider.RemoveTxtAsync(name, bind.Zone, "v512", bound.Token);
        Assert.Empty(await bind.TxtAsync(name, bound.Token));
    }
}
