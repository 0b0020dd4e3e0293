using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Rotor.Core.Abstractions;
using Rotor.Probes;

namespace Rotor.Tests.Probes;

public sealed class TlsProbeTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly FakeTimeProvider _time;

    public TlsProbeTests() => _time = new FakeTimeProvider(_pki.Now);

    private TlsProbe Probe(TestPki? trust = null, TimeSpan? timeout = null) =>
        new(new TlsProbeOptions { TrustAnchors = [(trust ?? _pki).Root], Timeout = timeout ?? TlsProbeOptions.DefaultTimeout }, _time);

    [Fact]
    public async Task A_trusted_chain_with_an_intermediate_succeeds_and_reports_the_leaf_fingerprint_and_what_was_sent()
    {
        using var leaf = _pki.IssueLeaf();
        await using var server = new TestTlsServer(leaf, [_pki.Intermediate]);

        var result = await Probe().ProbeAsync(new ProbeTarget("127.0.0.1", server.Port, "localhost"), CancellationToken.None);

        Assert.True(result.Success, result.Error);
        Assert.True(result.ChainTrusted);
        Assert.Null(result.Error);
        Assert.Equal(ProbeFailure.None, result.Failure);
        Assert.Equal(TestPki.Sha256(leaf), result.LeafSha256);
        Assert.Matches("^[0-9a-f]{64}$", result.LeafSha256);
        // What the server sent: the leaf, then its intermediate; never the root.
        Assert.Equal([TestPki.Sha256(leaf), TestPki.Sha256(_pki.Intermediate)], result.PresentedChain.Select(TestPki.Sha256));
        Assert.Null(result.SipStatusCode);
        Assert.Null(result.SipTime);
        Assert.Equal(["localhost"], await server.ServerNamesAsync(1));
    }

    [Fact]
    public async Task A_chain_to_another_root_is_untrusted_but_its_fingerprint_is_still_reported()
    {
        using var other = new TestPki("Other");
        using var leaf = _pki.IssueLeaf();
        await using var server = new TestTlsServer(leaf, [_pki.Intermediate]);

        var result = await Probe(trust: other).ProbeAsync(new ProbeTarget("127.0.0.1", server.Port, "localhost"), CancellationToken.None);

        Assert.False(result.Success);
        Assert.False(result.ChainTrusted);
        Assert.Equal(ProbeFailure.Trust, result.Failure);
        Assert.Equal(TestPki.Sha256(leaf), result.LeafSha256);
        Assert.StartsWith("chain not trusted: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trust_given_with_the_target_overrides_the_configured_roots()
    {
        using var other = new TestPki("Other");
        using var leaf = _pki.IssueLeaf();
        await using var server = new TestTlsServer(leaf, [_pki.Intermediate]);
        var probe = Probe(trust: other);

        var result = await probe.ProbeAsync(new ProbeTarget("127.0.0.1", server.Port, "localhost") { Trust = [_pki.Root] }, CancellationToken.None);

        Assert.True(result.Success, result.Error);
    }

    [Fact]
    public async Task A_server_that_omits_its_intermediate_is_untrusted()
    {
        using var leaf = _pki.IssueLeaf();
        await using var server = new TestTlsServer(leaf, []);

        var result = await Probe().ProbeAsync(new ProbeTarget("127.0.0.1", server.Port, "localhost"), CancellationToken.None);

        Assert.False(result.ChainTrusted);
        Assert.Single(result.PresentedChain);
        Assert.Contains("PartialChain", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_that_does_not_cover_the_sni_name_fails_although_its_chain_is_trusted()
    {
        using var leaf = _pki.IssueLeaf("sip.example.test");
        await using var server = new TestTlsServer(leaf, [_pki.Intermediate]);

        var result = await Probe().ProbeAsync(new ProbeTarget("127.0.0.1", server.Port, "other.example.test"), CancellationToken.None);

        Assert.False(result.Success);
        Assert.True(result.ChainTrusted);
        Assert.Equal(ProbeFailure.Trust, result.Failure);
        Assert.Contains("does not cover the name 'other.example.test'", result.Error, StringComparison.Ordinal);
        Assert.Equal(["other.example.test"], await server.ServerNamesAsync(1));
    }

    [Fact]
    public async Task Without_sni_none_is_sent_and_no_name_is_checked()
    {
        using var leaf = _pki.IssueLeaf("sip.example.test");
        await using var server = new TestTlsServer(leaf, [_pki.Intermediate]);

        var result = await Probe().ProbeAsync(new ProbeTarget("127.0.0.1", server.Port), CancellationToken.None);

        Assert.True(result.Success, result.Error);
        Assert.True(string.IsNullOrEmpty(Assert.Single(await server.ServerNamesAsync(1))));
    }

    [Fact]
    public async Task An_expired_certificate_is_judged_by_the_injected_clock()
    {
        using var leaf = _pki.IssueLeaf(validFor: TimeSpan.FromDays(2));
        await using var server = new TestTlsServer(leaf, [_pki.Intermediate]);
        var target = new ProbeTarget("127.0.0.1", server.Port, "localhost");
        Assert.True((await Probe().ProbeAsync(target, CancellationToken.None)).Success);

        _time.Advance(TimeSpan.FromDays(3));
        var result = await Probe().ProbeAsync(target, CancellationToken.None);

        Assert.False(result.ChainTrusted);
        Assert.Contains("NotTimeValid", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_refused_is_a_failed_result_not_an_exception()
    {
        var port = UnusedPort();

        var result = await Probe().ProbeAsync(new ProbeTarget("127.0.0.1", port, "localhost"), CancellationToken.None);

        Assert.False(result.Success);
        Assert.Equal(ProbeFailure.Connect, result.Failure);
        Assert.Equal("connect: connection refused", result.Error);
        Assert.Null(result.LeafSha256);
        Assert.Empty(result.PresentedChain);
    }

    [Fact]
    public async Task A_peer_that_never_answers_the_handshake_times_out_on_the_injected_clock()
    {
        using var leaf = _pki.IssueLeaf();
        await using var server = new TestTlsServer(leaf, [], tls: false);
        var probing = Probe(timeout: TimeSpan.FromSeconds(2)).ProbeAsync(new ProbeTarget("127.0.0.1", server.Port, "localhost"), CancellationToken.None);
        // Accepted alone races the client's own connect completion; the ClientHello proves it is handshaking.
        await server.ClientHelloReceived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(probing.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(2));
        var result = await probing.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(result.Success);
        Assert.Equal(ProbeFailure.Handshake, result.Failure);
        Assert.Equal("timed out after 2 s during handshake", result.Error);
    }

    [Fact]
    public async Task A_plain_tcp_service_that_closes_at_once_fails_the_handshake()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closing = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            socket.Close();
        });

        var result = await Probe().ProbeAsync(new ProbeTarget("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, "localhost"), CancellationToken.None);
        await closing;

        Assert.False(result.Success);
        Assert.Equal(ProbeFailure.Handshake, result.Failure);
        Assert.StartsWith("TLS handshake failed", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_throws()
    {
        using var leaf = _pki.IssueLeaf();
        await using var server = new TestTlsServer(leaf, [], tls: false);
        using var cts = new CancellationTokenSource();
        var probing = Probe().ProbeAsync(new ProbeTarget("127.0.0.1", server.Port, "localhost"), cts.Token);
        await server.Accepted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probing.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Probes_run_concurrently_and_each_is_a_full_handshake()
    {
        using var leaf = _pki.IssueLeaf();
        await using var server = new TestTlsServer(leaf, [_pki.Intermediate]);
        var probe = Probe();
        var target = new ProbeTarget("127.0.0.1", server.Port, "localhost");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => probe.ProbeAsync(target, CancellationToken.None)));

        Assert.All(results, r => Assert.True(r.Success, r.Error));
        // A resumed session would present no certificate chain; every probe saw both.
        Assert.All(results, r => Assert.Equal(2, r.PresentedChain.Count));
        Assert.Equal(8, (await server.ServerNamesAsync(8)).Count);
    }

    internal static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _pki.Dispose();
}
