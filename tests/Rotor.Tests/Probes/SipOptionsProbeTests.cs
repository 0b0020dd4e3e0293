using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Rotor.Core.Abstractions;
using Rotor.Probes;

namespace Rotor.Tests.Probes;

public sealed class SipOptionsProbeTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly X509Certificate2 _leaf;

    public SipOptionsProbeTests() => _leaf = _pki.IssueLeaf();

    private async Task<(ProbeResult Result, string Request)> ProbeAgainstAsync(Func<string, string> answer)
    {
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new TestTlsServer(_leaf, [_pki.Intermediate], async (ssl, ct) =>
        {
            var request = await ReadRequestAsync(ssl, ct);
            received.TrySetResult(request);
            var reply = answer(request);
            await ssl.WriteAsync(Encoding.UTF8.GetBytes(reply), ct);
            await ssl.FlushAsync(ct);
            // Hold the connection open until the probe has read and closed it.
            var buffer = new byte[64];
            try
            {
                while (await ssl.ReadAsync(buffer, ct) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
        });
        var probe = new TlsProbe(new TlsProbeOptions { TrustAnchors = [_pki.Root] }, new FakeTimeProvider(_pki.Now));
        var result = await probe.ProbeAsync(new ProbeTarget("127.0.0.1", server.Port, "localhost", SipOptions: true), CancellationToken.None);
        var request = received.Task.IsCompleted ? await received.Task : "";
        return (result, request);
    }

    [Fact]
    public async Task The_options_request_is_well_formed_and_a_200_after_a_100_is_success()
    {
        var (result, request) = await ProbeAgainstAsync(r => Reply(r, "100 Trying") + Reply(r, "200 OK", body: "v=0\r\n"));

        Assert.True(result.Success, result.Error);
        Assert.Equal(200, result.SipStatusCode);
        Assert.NotNull(result.SipTime);

        // RFC 3261 §8.1.1: the mandatory headers, each once, and no body.
        var lines = request.Split("\r\n");
        Assert.Equal("OPTIONS sip:localhost:" + Port(request) + ";transport=tls SIP/2.0", lines[0]);
        Assert.Matches(@"^Via: SIP/2\.0/TLS 127\.0\.0\.1:\d+;branch=z9hG4bK[0-9a-f]{24};rport$", Header(lines, "Via"));
        Assert.Equal("Max-Forwards: 70", Header(lines, "Max-Forwards"));
        Assert.Matches(@"^From: <sip:[^>]+>;tag=[0-9a-f]+$", Header(lines, "From"));
        Assert.Matches(@"^To: <sip:localhost:\d+>$", Header(lines, "To"));
        Assert.Matches(@"^Call-ID: [0-9a-f]{32}@127\.0\.0\.1$", Header(lines, "Call-ID"));
        Assert.Equal("CSeq: 1 OPTIONS", Header(lines, "CSeq"));
        Assert.Matches(@"^Contact: <sip:[^>]+;transport=tls>$", Header(lines, "Contact"));
        Assert.Equal("Content-Length: 0", Header(lines, "Content-Length"));
        Assert.EndsWith("\r\n\r\n", request, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_options_request_has_its_own_branch_tag_and_call_id()
    {
        var (_, first) = await ProbeAgainstAsync(r => Reply(r, "200 OK"));
        var (_, second) = await ProbeAgainstAsync(r => Reply(r, "200 OK"));

        foreach (var name in new[] { "Via", "From", "Call-ID" })
        {
            Assert.NotEqual(Header(first.Split("\r\n"), name), Header(second.Split("\r\n"), name));
        }
    }

    [Fact]
    public async Task A_404_is_a_final_response_and_counts_as_alive()
    {
        var (result, _) = await ProbeAgainstAsync(r => Reply(r, "404 Not Found"));

        Assert.True(result.Success, result.Error);
        Assert.Equal(404, result.SipStatusCode);
    }

    [Fact]
    public async Task A_response_to_another_request_is_skipped()
    {
        var (result, _) = await ProbeAgainstAsync(r =>
            Reply(r, "200 OK").Replace(CallId(r), "someone-else@198.51.100.7", StringComparison.Ordinal) + "\r\n\r\n" + Reply(r, "503 Service Unavailable"));

        Assert.True(result.Success, result.Error);
        Assert.Equal(503, result.SipStatusCode);
    }

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "malformed SIP response: not a SIP response: 'HTTP/1.1 400 Bad Request'")]
    [InlineData("SIP/2.0 2OO OK\r\n\r\n", "malformed SIP response: not a SIP response: 'SIP/2.0 2OO OK'")]
    [InlineData("SIP/2.0 200 OK\r\nthis line has no colon\r\n\r\n", "malformed SIP response: malformed header line 'this line has no colon'")]
    [InlineData("SIP/2.0 200 OK\r\nContent-Length: lots\r\n\r\n", "malformed SIP response: malformed Content-Length 'lots'")]
    public async Task A_malformed_reply_fails_with_the_reason_and_no_status(string reply, string error)
    {
        var (result, _) = await ProbeAgainstAsync(_ => reply);

        Assert.False(result.Success);
        Assert.Equal(ProbeFailure.Sip, result.Failure);
        Assert.True(result.ChainTrusted);
        Assert.Null(result.SipStatusCode);
        Assert.Equal(error, result.Error);
    }

    [Fact]
    public async Task A_peer_that_closes_without_answering_fails()
    {
        await using var server = new TestTlsServer(_leaf, [_pki.Intermediate], async (ssl, ct) =>
        {
            await ReadRequestAsync(ssl, ct);
            await ssl.ShutdownAsync();
        });
        var probe = new TlsProbe(new TlsProbeOptions { TrustAnchors = [_pki.Root] }, new FakeTimeProvider(_pki.Now));

        var result = await probe.ProbeAsync(new ProbeTarget("127.0.0.1", server.Port, "localhost", SipOptions: true), CancellationToken.None);

        Assert.False(result.Success);
        Assert.Equal(ProbeFailure.Sip, result.Failure);
        Assert.Equal("SIP OPTIONS: the peer closed the connection without answering the OPTIONS", result.Error);
    }

    [Fact]
    public async Task Only_provisional_responses_then_close_is_a_failure()
    {
        await using var server = new TestTlsServer(_leaf, [_pki.Intermediate], async (ssl, ct) =>
        {
            var request = await ReadRequestAsync(ssl, ct);
            await ssl.WriteAsync(Encoding.UTF8.GetBytes(Reply(request, "100 Trying")), ct);
            await ssl.ShutdownAsync();
        });
        var probe = new TlsProbe(new TlsProbeOptions { TrustAnchors = [_pki.Root] }, new FakeTimeProvider(_pki.Now));

        var result = await probe.ProbeAsync(new ProbeTarget("127.0.0.1", server.Port, "localhost", SipOptions: true), CancellationToken.None);

        Assert.False(result.Success);
        Assert.Null(result.SipStatusCode);
        Assert.Equal("SIP OPTIONS: the peer closed the connection without answering the OPTIONS", result.Error);
    }

    private static async Task<string> ReadRequestAsync(SslStream ssl, CancellationToken ct)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await ssl.ReadAsync(buffer, ct);
            if (n == 0) break;
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    /// <summary>A response as RFC 3261 §8.2.6 builds it: Via, From, Call-ID, CSeq copied; To gets a tag.</summary>
    private static string Reply(string request, string status, string body = "")
    {
        var lines = request.Split("\r\n");
        return $"SIP/2.0 {status}\r\n{Header(lines, "Via")}\r\n{Header(lines, "From")}\r\n{Header(lines, "To")};tag=srv1\r\n" +
               $"{Header(lines, "Call-ID")}\r\n{Header(lines, "CSeq")}\r\nServer: test\r\nContent-Length: {body.Length}\r\n\r\n{body}";
    }

    private static string Header(string[] lines, string name) => lines.Single(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));

    private static string CallId(string request) => Header(request.Split("\r\n"), "Call-ID")["Call-ID: ".Length..];

    private static string Port(string request) => Regex.Match(request, @"^OPTIONS sip:localhost:(\d+)").Groups[1].Value;

    public void Dispose()
    {
        _leaf.Dispose();
        _pki.Dispose();
    }
}
