using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Rotor.Acme.Challenges;
using Rotor.Acme.Challenges.Dns01;
using Rotor.Acme.Transport;
using Xunit.Abstractions;

namespace Rotor.IntegrationTests.Acme.Dns01;

/// <summary>
/// The whole DNS-01 solver against a real BIND: zone found by SOA, NS ns1.example.test
/// resolved and asked on the lab's port (<see cref="Dns01SolverOptions.AuthoritativePort"/>).
/// </summary>
[Collection(BindCollection.Name)]
public sealed class Dns01SolverBindTests(BindServer bind, ITestOutputHelper output) : IDisposable
{
    private readonly CancellationTokenSource _bound = new(TimeSpan.FromSeconds(60));
    private readonly List<string> _progress = [];

    public void Dispose() => _bound.Dispose();

    private Dns01Solver Solver(Rfc2136Options? rfc2136 = null, string? resolver = null) => new(
        new Rfc2136Provider(rfc2136 ?? bind.Options()),
        new Dns01SolverOptions
        {
            Resolvers = [resolver ?? bind.Server],
            AuthoritativePort = bind.Port,
            PropagationTimeout = TimeSpan.FromSeconds(20),
            QueryTimeout = TimeSpan.FromSeconds(1),
        });

    private IProgress<string> Progress => new Recorder(_progress, output);

    private static ChallengeRequest Request(string identifier, string value) => new(identifier, "token-" + value, "token-" + value + ".thumb", value);

    [Fact]
    public async Task Present_returns_when_the_authoritative_server_serves_it_and_cleanup_removes_it()
    {
        if (!bind.Require(output)) return;
        var solver = Solver();
        var identifier = $"{BindServer.UniqueLabel()}.{bind.Zone}";
        var request = Request(identifier, "solver-value");
        try
        {
            await solver.PresentAsync(request, Progress, _bound.Token);
            Assert.Equal(["solver-value"], await bind.TxtAsync("_acme-challenge." + identifier, _bound.Token));
            Assert.Contains(_progress, p => p.StartsWith($"TXT _acme-challenge.{identifier} visible on ns1.{bind.Zone} (127.0.0.1:{bind.Port}) after", StringComparison.Ordinal));
        }
        finally
        {
            await solver.CleanupAsync(request, _bound.Token);
        }
        Assert.Empty(await bind.TxtAsync("_acme-challenge." + identifier, _bound.Token));
    }

    [Fact]
    public async Task A_name_and_its_wildcard_are_present_at_once()
    {
        if (!bind.Require(output)) return;
        var solver = Solver();
        var identifier = $"{BindServer.UniqueLabel()}.{bind.Zone}";
        var plain = Request(identifier, "plain-value");
        var wildcard = Request("*." + identifier, "wild-value");
        try
        {
            await Task.WhenAll(solver.PresentAsync(plain, Progress, _bound.Token), solver.PresentAsync(wildcard, Progress, _bound.Token));
            Assert.Equal(["plain-value", "wild-value"], await bind.TxtAsync("_acme-challenge." + identifier, _bound.Token));
            await solver.CleanupAsync(plain, _bound.Token);
            Assert.Equal(["wild-value"], await bind.TxtAsync("_acme-challenge." + identifier, _bound.Token));
        }
        finally
        {
            await solver.CleanupAsync(plain, _bound.Token);
            await solver.CleanupAsync(wildcard, _bound.Token);
        }
        Assert.Empty(await bind.TxtAsync("_acme-challenge." + identifier, _bound.Token));
    }

    [Fact]
    public async Task An_unknown_zone_is_a_clear_error_and_cleanup_has_nothing_to_do()
    {
        if (!bind.Require(output)) return;
        var solver = Solver();
        var request = Request("x.nope.test", "v");
        var e = await Assert.ThrowsAsync<AcmeException>(() => solver.PresentAsync(request, Progress, _bound.Token));
        Assert.Equal("no zone found for _acme-challenge.x.nope.test", e.Message);
        Assert.Equal(Dns01Causes.Zone, e.ProblemType);
        await solver.CleanupAsync(request, _bound.Token);
    }

    [Fact]
    public async Task A_wrong_secret_fails_the_present_naming_tsig()
    {
        if (!bind.Require(output)) return;
        var solver = Solver(bind.Options(secret: Convert.ToBase64String(new byte[64])));
        var request = Request($"{BindServer.UniqueLabel()}.{bind.Zone}", "v");
        var e = await Assert.ThrowsAsync<AcmeException>(() => solver.PresentAsync(request, Progress, _bound.Token));
        Assert.StartsWith($"TSIG verification failed (BADSIG) updating {bind.Zone} at {bind.Server}", e.Message, StringComparison.Ordinal);
        // Cleanup runs the same (failing) update; the order flow reports it and goes on.
        await Assert.ThrowsAsync<AcmeException>(() => solver.CleanupAsync(request, _bound.Token));
    }

    [Fact]
    public async Task An_unreachable_resolver_fails_quickly_and_clearly()
    {
        if (!bind.Require(output)) return;
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var solver = Solver(resolver: $"127.0.0.1:{port}");
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<AcmeException>(() => solver.PresentAsync(Request($"a.{bind.Zone}", "v"), Progress, _bound.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.StartsWith($"DNS server 127.0.0.1:{port} did not answer", e.Message, StringComparison.Ordinal);
        Assert.Equal(Dns01Causes.Unreachable, e.ProblemType);
    }

    [Fact]
    public async Task Explicit_check_nameservers_are_used()
    {
        if (!bind.Require(output)) return;
        var solver = new Dns01Solver(new Rfc2136Provider(bind.Options()),
            new Dns01SolverOptions { Resolvers = [bind.Server], CheckNameservers = [bind.Server], PropagationTimeout = TimeSpan.FromSeconds(20) });
        var request = Request($"{BindServer.UniqueLabel()}.{bind.Zone}", "explicit");
        try
        {
            await solver.PresentAsync(request, Progress, _bound.Token);
            Assert.Contains(_progress, p => p.Contains($"visible on 127.0.0.1:{bind.Port} after", StringComparison.Ordinal));
        }
        finally
        {
            await solver.CleanupAsync(request, _bound.Token);
        }
    }

    private sealed class Recorder(List<string> sink, ITestOutputHelper output) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (sink) sink.Add(value);
            output.WriteLine(value);
        }
    }
}
