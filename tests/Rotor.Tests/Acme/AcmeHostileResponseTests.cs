using Rotor.Tests.Support;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Rotor.Acme;
using Rotor.Acme.Challenges;
using Rotor.Acme.Orders;
using Rotor.Acme.Transport;
using static Rotor.Tests.Acme.AcmeMalformedJsonTests;

namespace Rotor.Tests.Acme;

/// <summary>
/// Headers, sizes, chains and challenge data from a broken or hostile server: bounded (body
/// size, chain length, alternates followed, Retry-After), refused when they would be used
/// (URLs other than http(s), tokens that are not base64url, names the order did not ask for),
/// or passed over when they are only hints (a Link that is no URL, a nonce that is not one).
/// Found by <see cref="Fuzz.AcmeFuzzTests"/> or on the way to it.
/// </summary>
public class AcmeHostileResponseTests
{
    private static readonly AcmeIdentifier[] Names = [AcmeIdentifier.Dns("a.example.test"), AcmeIdentifier.Dns("*.example.test")];
    private static readonly Uri Cert = new("https://acme.test/cert/1");

    private static ScriptedResponse WithHeader(ScriptedResponse r, string name, string value) =>
        r with { Headers = [.. r.Headers.Where(h => h.Name != name), (name, value)] };

    [Fact]
    public async Task A_body_over_the_limit_is_refused_after_reading_no_more_than_the_limit()
    {
        long read = 0;
        var client = await ClientAsync(Server("/new-order", r => r with { StreamedLength = 64L * 1024 * 1024, OnStreamRead = n => read += n }));
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync(Names, null, null, CancellationToken.None));
        Assert.Equal(Malformed, e.ProblemType);
        Assert.Contains("larger than 1048576 bytes", e.Message, StringComparison.Ordinal);
        Assert.InRange(read, 1024 * 1024, 1024 * 1024 + 64 * 1024);
    }

    [Fact]
    public async Task A_body_that_never_ends_is_cut_off_at_the_clients_timeout()
    {
        // A real (short) timeout: the body read is bounded by HttpClient.Timeout, not by the clock of the test.
        var server = new FuzzedAcmeServer();
        using var http = new HttpClient(new StallingHandler(server)) { Timeout = TimeSpan.FromMilliseconds(200) };
        var client = await ClientAsync(server, http: http);
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync(Names, null, null, CancellationToken.None));
        Assert.Equal("connection", e.ProblemType);
        Assert.True(e.IsTransient);
    }

    [Theory]
    [InlineData("2147483647")]
    [InlineData("Fri, 31 Dec 9999 23:59:59 GMT")]
    public async Task A_retry_after_beyond_a_year_is_read_as_a_year(string retryAfter)
    {
        var client = await ClientAsync(Server("/new-order", r => WithHeader(new ScriptedResponse(HttpStatusCode.TooManyRequests, "application/problem+json",
            """{"type":"urn:ietf:params:acme:error:rateLimited","detail":"slow down"}"""u8.ToArray(), r.Headers), "Retry-After", retryAfter)));
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync(Names, null, null, CancellationToken.None));
        Assert.Equal("rateLimited", e.ProblemType);
        Assert.Equal(TimeSpan.FromDays(365), e.RetryAfter);
    }

    [Fact]
    public async Task A_retry_after_too_large_for_the_header_is_no_retry_after()
    {
        var client = await ClientAsync(Server("/new-order", r => WithHeader(new ScriptedResponse(HttpStatusCode.ServiceUnavailable, "application/problem+json",
            """{"type":"urn:ietf:params:acme:error:serverInternal","detail":"later"}"""u8.ToArray(), r.Headers), "Retry-After", "1000000000000")));
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync(Names, null, null, CancellationToken.None));
        Assert.True(e.IsTransient);
        Assert.Null(e.RetryAfter);
    }

    [Fact]
    public async Task A_location_that_is_not_an_http_url_is_malformed()
    {
        var client = await ClientAsync(Server("/new-order", r => WithHeader(r, "Location", "file:///etc/passwd")));
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync(Names, null, null, CancellationToken.None));
        Assert.Equal(Malformed, e.ProblemType);
        Assert.Contains("without a usable Location header", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_that_is_no_url_is_passed_over()
    {
        var client = await ClientAsync(Server("/cert/1", r => WithHeader(r, "Link", "<http://[::1>;rel=\"alternate\"")));
        var (chain, alternates) = await client.DownloadCertificateAsync(Cert, CancellationToken.None);
        Assert.Equal(2, chain.Count);
        Assert.Empty(alternates);
    }

    [Fact]
    public async Task At_most_eight_alternate_chains_are_fetched()
    {
        var links = string.Join(", ", Enumerable.Range(0, 1000).Select(i => $"<https://acme.test/cert/1/alt?{i}>;rel=\"alternate\""));
        var server = Server("/cert/1", r => WithHeader(r, "Link", links));
        var client = await ClientAsync(server);
        var chain = await client.DownloadPreferredChainAsync(Cert, "No Such Issuer", CancellationToken.None);
        Assert.Equal(2, chain.Count);
        Assert.Equal(8, server.Requests.Count(r => r.StartsWith("POST /cert/1/alt", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_corrupt_certificate_in_the_chain_is_malformed()
    {
        var client = await ClientAsync(Server("/cert/1", r => WithBody(r, "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHBfpegPjMCMA0GCSqGSIb3\n-----END CERTIFICATE-----\n")));
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.DownloadCertificateAsync(Cert, CancellationToken.None));
        Assert.Equal(Malformed, e.ProblemType);
        Assert.Contains("certificate 0 is not an X.509 certificate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chain_of_more_than_ten_certificates_is_malformed()
    {
        var pem = FuzzedAcmeServer.Leaf.ExportCertificatePem() + "\n";
        var client = await ClientAsync(Server("/cert/1", r => WithBody(r, string.Concat(Enumerable.Repeat(pem, 11)))));
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.DownloadCertificateAsync(Cert, CancellationToken.None));
        Assert.Equal(Malformed, e.ProblemType);
        Assert.Contains("holds more than 10 certificates", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_nonce_that_is_not_base64url_is_not_used()
    {
        var server = new FuzzedAcmeServer { Mutate = (_, p, r) => p == "/account" ? WithHeader(r, "Replay-Nonce", "bad nonce!") : r };
        var client = await ClientAsync(server);
        await client.NewOrderAsync(Names, null, null, CancellationToken.None);
        // The account used the directory's nonce; its own answer brought no usable one, so newOrder had to fetch one.
        Assert.Equal(["GET /dir", "POST /account", "HEAD /nonce", "POST /new-order"], server.Requests);
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("")]
    public async Task A_challenge_token_that_is_not_base64url_never_reaches_a_solver(string token)
    {
        var solver = new RecordingSolver();
        var e = await IssueFailsAsync(solver, "/authz/1", r => WithBody(r, $$"""
            {"status":"pending","identifier":{"type":"dns","value":"a.example.test"},
             "challenges":[{"type":"dns-01","url":"https://acme.test/chall/1","status":"pending","token":"{{token}}"}]}
            """));
        Assert.Contains("has a token that is empty or not base64url", e.Message, StringComparison.Ordinal);
        Assert.Empty(solver.Seen);
    }

    [Fact]
    public async Task An_authorization_for_a_name_the_order_did_not_ask_for_never_reaches_a_solver()
    {
        var solver = new RecordingSolver();
        var e = await IssueFailsAsync(solver, "/authz/2", r => WithBody(r, """
            {"status":"pending","identifier":{"type":"dns","value":"victim.example"},"wildcard":true,
             "challenges":[{"type":"dns-01","url":"https://acme.test/chall/2","status":"pending","token":"tok2"}]}
            """));
        Assert.Contains("is for dns:victim.example (wildcard), which this order did not ask for", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(solver.Seen, s => s.Contains("victim", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_webroot_solver_never_removes_a_file_outside_its_folder()
    {
        var root = System.IO.Directory.CreateTempSubdirectory("rotor-webroot-");
        try
        {
            var victim = Path.Combine(root.FullName, "victim");
            await File.WriteAllTextAsync(victim, "keep me");
            var solver = new Http01WebrootSolver(Path.Combine(root.FullName, "www"));
            var request = new ChallengeRequest("a.example.test", "../../../victim", "key-authorization", "dns-value");

            await Assert.ThrowsAsync<AcmeException>(() => solver.PresentAsync(request, null, CancellationToken.None));
            await solver.CleanupAsync(request, CancellationToken.None);

            Assert.True(File.Exists(victim));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static async Task<AcmeException> IssueFailsAsync(RecordingSolver solver, string path, Func<ScriptedResponse, ScriptedResponse> change)
    {
        var clock = new Dns01.SteppingClock();
        var client = await ClientAsync(Server(path, change), clock);
        var flow = new AcmeOrderFlow(client, _ => solver);
        // Driven, so that a client that went on to poll the changed authorization reaches its deadline instead of waiting.
        var e = await Assert.ThrowsAsync<AcmeException>(() => clock.DriveAsync(flow.IssueAsync(new AcmeIssueRequest(Names, [0x30, 0x00]), CancellationToken.None)));
        Assert.Equal(Malformed, e.ProblemType);
        return e;
    }

    private sealed class RecordingSolver : IChallengeSolver
    {
        public List<string> Seen { get; } = [];
        public string ChallengeType => "dns-01";

        public Task PresentAsync(ChallengeRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
        {
            lock (Seen) Seen.Add($"{request.Identifier} {request.Token}");
            return Task.CompletedTask;
        }

        public Task CleanupAsync(ChallengeRequest request, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Sends the server's headers, then a body that never finishes (each read waits for cancellation).</summary>
    private sealed class StallingHandler(FuzzedAcmeServer server) : DelegatingHandler(server)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath != "/new-order") return response;
            var stalled = new HttpResponseMessage(response.StatusCode) { Content = new StreamContent(new StallingStream()), RequestMessage = request };
            stalled.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            foreach (var h in response.Headers) stalled.Headers.TryAddWithoutValidation(h.Key, h.Value);
            return stalled;
        }
    }

    private sealed class StallingStream : ReadOnlyBodyStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
