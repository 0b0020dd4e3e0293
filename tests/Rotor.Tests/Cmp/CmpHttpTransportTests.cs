using System.Net;
using System.Net.Http.Headers;
using Rotor.Cmp;
using Rotor.Cmp.Transport;

namespace Rotor.Tests.Cmp;

public class CmpHttpTransportTests
{
    private sealed class Stub(HttpStatusCode status, string? contentType, byte[] body) : HttpMessageHandler
    {
        public HttpRequestMessage? Seen { get; private set; }
        public byte[]? SeenBody { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen = request;
            SeenBody = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            var content = new ByteArrayContent(body);
            if (contentType is not null) content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            return new HttpResponseMessage(status) { Content = content };
        }
    }

    private static readonly Uri Server = new("http://127.0.0.1:1/pkix/");

    [Fact]
    public async Task Posts_pkixcmp_with_connection_close_and_returns_the_body()
    {
        var stub = new Stub(HttpStatusCode.OK, "application/pkixcmp", [0x30, 0x00]);
        using var http = new HttpClient(stub);

        var body = await new CmpHttpTransport(http).SendAsync(Server, [1, 2, 3], default);

        Assert.Equal([0x30, 0x00], body);
        Assert.Equal(HttpMethod.Post, stub.Seen!.Method);
        Assert.True(stub.Seen.Headers.ConnectionClose);
        Assert.Equal("application/pkixcmp", stub.Seen.Content!.Headers.ContentType!.MediaType);
        Assert.Equal([1, 2, 3], stub.SeenBody);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    public async Task A_status_other_than_200_is_a_clear_failure_transient_and_a_server_failure_only_for_server_trouble(HttpStatusCode status, bool transient)
    {
        using var http = new HttpClient(new Stub(status, "text/html", "<html/>"u8.ToArray()));

        var e = await Assert.ThrowsAsync<CmpException>(() => new CmpHttpTransport(http).SendAsync(Server, [1], default));

        Assert.Equal(CmpReasons.HttpStatus, e.Reason);
        Assert.Equal(transient, e.IsTransient);
        Assert.Equal((int)status, e.HttpStatusCode);
        // Only 5xx moves the server group on; a 4xx is the request's or the configuration's fault.
        Assert.Equal(transient, e.IsServerFailure);
        Assert.Contains($"HTTP {(int)status}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_200_that_is_not_pkixcmp_is_refused()
    {
        using var http = new HttpClient(new Stub(HttpStatusCode.OK, "text/html", "<html/>"u8.ToArray()));

        var e = await Assert.ThrowsAsync<CmpException>(() => new CmpHttpTransport(http).SendAsync(Server, [1], default));

        Assert.Equal(CmpReasons.ContentType, e.Reason);
        Assert.Contains("text/html", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_response_above_the_size_limit_is_refused()
    {
        using var http = new HttpClient(new Stub(HttpStatusCode.OK, "application/pkixcmp", new byte[2048]));

        var e = await Assert.ThrowsAsync<CmpException>(() => new CmpHttpTransport(http, maxResponseBytes: 1024).SendAsync(Server, [1], default));

        Assert.Equal(CmpReasons.Malformed, e.Reason);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task A_refused_connection_is_a_transient_connect_failure()
    {
        using var transport = new CmpHttpTransport();
        // Port 9 (discard) on loopback is closed on a test machine: the connection is refused.
        var e = await Assert.ThrowsAsync<CmpException>(() => transport.SendAsync(new Uri("http://127.0.0.1:9/pkix/"), [1], default));

        Assert.Equal(CmpReasons.Connect, e.Reason);
        Assert.True(e.IsTransient);
    }
}
