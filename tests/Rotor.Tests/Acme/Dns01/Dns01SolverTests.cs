using System.Net;
using Rotor.Acme.Challenges;
using Rotor.Acme.Challenges.Dns01;
using Rotor.Acme.Transport;

namespace Rotor.Tests.Acme.Dns01;

public class Dns01SolverTests
{
    private static readonly IPEndPoint Ns1 = new(IPAddress.Loopback, 15353);
    private static readonly IPEndPoint Ns2 = new(IPAddress.Parse("127.0.0.2"), 15353);

    private readonly FakeDns _dns = new();
    private readonly SteppingClock _time = new();
    private readonly List<string> _progress = [];

    public Dns01SolverTests()
    {
        _dns.AddZone("example.test", "ns1.example.test", "127.0.0.1");
    }

    private Dns01Solver Solver(IDns01Provider provider, Dns01SolverOptions? options = null) =>
        new(provider, options ?? new Dns01SolverOptions { Resolvers = ["127.0.0.1:15353"], AuthoritativePort = 15353 }, _time, _dns);

    private static ChallengeRequest Request(string identifier, string value = "dns01-value") => new(identifier, "tok-" + value, "keyauth-" + value, value);

    private Task DriveAsync(Task task) => _time.DriveAsync(task);

    [Fact]
    public async Task Present_returns_only_once_every_authoritative_server_serves_the_value()
    {
        _dns.Recursive[("example.test.", DnsType.Ns)] = new DnsAnswer(0,
            [new DnsRecord("example.test.", DnsType.Ns, "ns1.example.test."), new DnsRecord("example.test.", DnsType.Ns, "ns2.example.test.")], []);
        _dns.Recursive[("ns2.example.test.", DnsType.A)] = new DnsAnswer(0, [new DnsRecord("ns2.example.test.", DnsType.A, "127.0.0.2")], []);
        var provider = new RecordingProvider(_dns, Ns1);
        var present = Solver(provider).PresentAsync(Request("a.example.test"), new SyncProgress(_progress), CancellationToken.None);

        // ns2 (a secondary) gets the record only when it is asked the third time.
        var asked = 0;
        _dns.BeforeDirectQuery = server =>
        {
            if (server.Equals(Ns2) && Interlocked.Increment(ref asked) == 3) _dns.Serve(Ns2, "_acme-challenge.a.example.test", "dns01-value");
        };
        await DriveAsync(present);
        Assert.Equal(3, asked);

        Assert.Equal(["add _acme-challenge.a.example.test. example.test. dns01-value"], provider.Calls);
        Assert.True(_dns.Log.Count(l => l.StartsWith("auth 127.0.0.1", StringComparison.Ordinal)) == 1, "a server that has the value is not asked again");
        Assert.Contains(_progress, p => p.StartsWith("TXT _acme-challenge.a.example.test visible on ns1.example.test (127.0.0.1:15353) after", StringComparison.Ordinal));
        Assert.Contains(_progress, p => p.StartsWith("TXT _acme-challenge.a.example.test visible on ns2.example.test (127.0.0.2:15353) after", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Propagation_timeout_names_the_record_the_server_and_the_time()
    {
        var provider = new RecordingProvider(_dns, Ns1) { Publish = false };
        var solver = Solver(provider, new Dns01SolverOptions { Resolvers = ["127.0.0.1:15353"], AuthoritativePort = 15353, PropagationTimeout = TimeSpan.FromSeconds(30) });
        var present = solver.PresentAsync(Request("a.example.test"), new SyncProgress(_progress), CancellationToken.None);

        var e = await Assert.ThrowsAsync<AcmeException>(() => DriveAsync(present));
        Assert.Equal("TXT _acme-challenge.a.example.test not visible on ns1.example.test (127.0.0.1:15353) after 30s (last answer: no TXT record)", e.Message);
        Assert.Equal(Dns01Causes.Timeout, e.ProblemType);
        Assert.True(e.IsTransient);
        Assert.Contains(_progress, p => p.StartsWith("TXT _acme-challenge.a.example.test not yet visible on ns1.example.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Polling_starts_fast_and_backs_off_without_a_fixed_sleep()
    {
        var provider = new RecordingProvider(_dns, Ns1) { Publish = false };
        var solver = Solver(provider, new Dns01SolverOptions { Resolvers = ["127.0.0.1:15353"], AuthoritativePort = 15353, PropagationTimeout = TimeSpan.FromSeconds(10) });
        var present = solver.PresentAsync(Request("a.example.test"), null, CancellationToken.None);
        await Assert.ThrowsAsync<AcmeException>(() => DriveAsync(present));
        // Checks at 0, 0.1, 0.3, 0.7, 1.5, 3.1, 5.1, 7.1, 9.1 and 10 s: 100 ms doubling up to 2 s, the last wait cut to the deadline.
        Assert.Equal(10, _dns.Log.Count(l => l.StartsWith("auth ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_unreachable_authoritative_server_is_named_in_the_timeout()
    {
        _dns.Dead.Add(Ns1);
        var solver = Solver(new RecordingProvider(_dns, Ns1), new Dns01SolverOptions { Resolvers = ["127.0.0.1"], AuthoritativePort = 15353, PropagationTimeout = TimeSpan.FromSeconds(5) });
        var e = await Assert.ThrowsAsync<AcmeException>(() => DriveAsync(solver.PresentAsync(Request("a.example.test"), null, CancellationToken.None)));
        Assert.EndsWith("not visible on ns1.example.test (127.0.0.1:15353) after 5s (last answer: no answer)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explicit_check_nameservers_replace_the_ns_records()
    {
        var explicitServer = new IPEndPoint(IPAddress.Loopback, 15999);
        var provider = new RecordingProvider(_dns, explicitServer);
        var solver = Solver(provider, new Dns01SolverOptions { Resolvers = ["127.0.0.1:15353"], CheckNameservers = ["127.0.0.1:15999"] });
        await DriveAsync(solver.PresentAsync(Request("a.example.test"), new SyncProgress(_progress), CancellationToken.None));
        Assert.DoesNotContain(_dns.Log, l => l.Contains(" Ns ", StringComparison.Ordinal));
        Assert.Contains(_progress, p => p.StartsWith("TXT _acme-challenge.a.example.test visible on 127.0.0.1:15999 after", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cname_delegated_record_is_written_and_removed_in_the_target_zone()
    {
        _dns.AddCname("_acme-challenge.www.example.test", "www.delegate.test");
        _dns.AddZone("delegate.test", "ns1.delegate.test", "127.0.0.1");
        _dns.AddName("www.delegate.test", "delegate.test");
        var provider = new RecordingProvider(_dns, Ns1);
        var solver = Solver(provider);
        var request = Request("www.example.test");
        await DriveAsync(solver.PresentAsync(request, null, CancellationToken.None));
        await solver.CleanupAsync(request, CancellationToken.None);
        Assert.Equal(["add www.delegate.test. delegate.test. dns01-value", "remove www.delegate.test. delegate.test. dns01-value"], provider.Calls);
    }

    [Fact]
    public async Task Cleanup_after_a_present_that_wrote_nothing_does_nothing()
    {
        var provider = new RecordingProvider(_dns, Ns1);
        var solver = Solver(provider);
        var request = Request("x.nope.test");
        var e = await Assert.ThrowsAsync<AcmeException>(() => solver.PresentAsync(request, null, CancellationToken.None));
        Assert.Equal("no zone found for _acme-challenge.x.nope.test", e.Message);
        await solver.CleanupAsync(request, CancellationToken.None);
        Assert.Empty(provider.Calls);
    }

    [Fact]
    public async Task Cleanup_is_idempotent_and_works_without_a_present()
    {
        var provider = new RecordingProvider(_dns, Ns1);
        var solver = Solver(provider);
        var request = Request("a.example.test");
        await solver.CleanupAsync(request, CancellationToken.None);
        await solver.CleanupAsync(request, CancellationToken.None);
        Assert.Equal(2, provider.Calls.Count(c => c == "remove _acme-challenge.a.example.test. example.test. dns01-value"));
    }

    [Fact]
    public async Task A_name_and_its_wildcard_are_present_at_once_under_one_record_name()
    {
        var provider = new RecordingProvider(_dns, Ns1);
        var solver = Solver(provider);
        var plain = Request("a.example.test", "value-plain");
        var wildcard = Request("*.a.example.test", "value-wild");
        await DriveAsync(Task.WhenAll(solver.PresentAsync(plain, null, CancellationToken.None), solver.PresentAsync(wildcard, null, CancellationToken.None)));
        var served = _dns.Served[Ns1]["_acme-challenge.a.example.test."];
        Assert.Equal(["value-plain", "value-wild"], served.Order(StringComparer.Ordinal));

        await solver.CleanupAsync(plain, CancellationToken.None);
        Assert.Equal(["value-wild"], _dns.Served[Ns1]["_acme-challenge.a.example.test."]);
        await solver.CleanupAsync(wildcard, CancellationToken.None);
        Assert.Empty(_dns.Served[Ns1]["_acme-challenge.a.example.test."]);
    }

    [Fact]
    public async Task Many_identifiers_presented_concurrently_all_complete()
    {
        var provider = new RecordingProvider(_dns, Ns1);
        var solver = Solver(provider);
        var requests = Enumerable.Range(0, 20).Select(i => Request($"h{i}.example.test", $"v{i}")).ToList();
        await DriveAsync(Task.WhenAll(requests.Select(r => solver.PresentAsync(r, null, CancellationToken.None))));
        await Task.WhenAll(requests.Select(r => solver.CleanupAsync(r, CancellationToken.None)));
        Assert.Equal(20, provider.Calls.Count(c => c.StartsWith("add ", StringComparison.Ordinal)));
        Assert.Equal(20, provider.Calls.Count(c => c.StartsWith("remove ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Raw_providers_get_the_challenge_and_propagation_is_still_checked()
    {
        var raw = new RawRecorder(_dns, Ns1);
        var solver = Solver(raw);
        var request = new ChallengeRequest("*.a.example.test", "the-token", "the-token.thumb", "the-value");
        await DriveAsync(solver.PresentAsync(request, null, CancellationToken.None));
        await solver.CleanupAsync(request, CancellationToken.None);
        Assert.Equal(["present a.example.test the-token the-token.thumb", "cleanup a.example.test the-token the-token.thumb"], raw.Calls);
    }

    [Fact]
    public void Bad_options_are_config_errors()
    {
        var e = Assert.Throws<AcmeException>(() => new Dns01Solver(new RecordingProvider(_dns, Ns1), new Dns01SolverOptions { AuthoritativePort = 0 }));
        Assert.Equal(Dns01Causes.Config, e.ProblemType);
        Assert.Equal("dns-01", new Dns01Solver(new RecordingProvider(_dns, Ns1)).ChallengeType);
    }

    private sealed class RawRecorder(FakeDns dns, IPEndPoint server) : IDns01RawProvider
    {
        public List<string> Calls { get; } = [];

        public bool IsRaw => true;

        public Task PresentRawAsync(string domain, string token, string keyAuthorization, CancellationToken cancellationToken)
        {
            Calls.Add($"present {domain} {token} {keyAuthorization}");
            dns.Serve(server, "_acme-challenge." + domain, "the-value");
            return Task.CompletedTask;
        }

        public Task CleanupRawAsync(string domain, string token, string keyAuthorization, CancellationToken cancellationToken)
        {
            Calls.Add($"cleanup {domain} {token} {keyAuthorization}");
            return Task.CompletedTask;
        }

        public Task AddTxtAsync(string recordName, string zone, string value, CancellationToken cancellationToken) => throw new InvalidOperationException("raw only");

        public Task RemoveTxtAsync(string recordName, string zone, string value, CancellationToken cancellationToken) => throw new InvalidOperationException("raw only");
    }
}
