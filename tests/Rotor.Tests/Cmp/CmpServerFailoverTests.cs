using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Rotor.Cmp;
using Rotor.Cmp.Protection;
using Rotor.Cmp.Transport;

namespace Rotor.Tests.Cmp;

/// <summary>
/// A server group moves on after every failure of the server itself (refused connection,
/// message timeout, HTTP 5xx), through the real HTTP transport; a transaction never changes
/// server midway.
/// </summary>
public sealed class CmpServerFailoverTests : IDisposable
{
    private const string Secret = "iak-failover-secret";
    internal static readonly Uri First = new("http://127.0.0.1:1/pkix/");
    internal static readonly Uri Second = new("http://127.0.0.1:2/pkix/");

    private readonly FakeCmpServer _server = new(Secret);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly CmpSharedSecretProtection _protection = CmpProtection.SharedSecret("ref-1", Encoding.UTF8.GetBytes(Secret), 1000);

    private CmpCertificateRequest Request() => new() { Subject = new X500DistinguishedName("CN=sbc.example.test"), Key = _key };

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    public async Task A_5xx_fails_the_transaction_on_its_server_and_the_next_one_goes_to_the_next_server(HttpStatusCode status)
    {
        var routes = new RoutingHandler(_server) { FirstAnswers = status };
        using var http = new HttpClient(routes);
        var group = new CmpServerGroup(First, Second);
        var client = new CmpClient(group, new CmpHttpTransport(http), null, _time);

        var e = await Assert.ThrowsAsync<CmpException>(() => client.InitialRequestAsync(Request(), _protection, default));

        Assert.Equal(CmpReasons.HttpStatus, e.Reason);
        Assert.Equal(First, e.Server);
        Assert.Equal([First], routes.Seen);                      // not retried elsewhere: the server answered
        Assert.Equal(Second, group.Current);
        Assert.Equal(new CmpServerMove(First, Second, CmpReasons.HttpStatus, 1), group.LastMove);

        var result = await client.InitialRequestAsync(Request(), _protection, default);
        Assert.Equal(Second, result.Server);
        Assert.Equal([First, Second, Second], routes.Seen);      // ir, certConf on the second
    }

    [Fact]
    public async Task A_4xx_does_not_move_the_group()
    {
        var routes = new RoutingHandler(_server) { FirstAnswers = HttpStatusCode.NotFound };
        using var http = new HttpClient(routes);
        var group = new CmpServerGroup(First, Second);
        var client = new CmpClient(group, new CmpHttpTransport(http), null, _time);

        await Assert.ThrowsAsync<CmpException>(() => client.InitialRequestAsync(Request(), _protection, default));

        Assert.Equal(First, group.Current);
        Assert.Null(group.LastMove);
    }

    [Fact]
    public async Task A_timeout_mid_transaction_ends_that_transaction_on_its_server_and_moves_only_the_next_one()
    {
        // The first server answers the ir, then never answers the certConf.
        var routes = new RoutingHandler(_server) { FirstHangsAfter = 1 };
        using var http = new HttpClient(routes);
        var group = new CmpServerGroup(First, Second);
        var client = new CmpClient(group, new CmpHttpTransport(http), new CmpClientOptions { MessageTimeout = TimeSpan.FromSeconds(20) }, _time);

        var task = client.InitialRequestAsync(Request(), _protection, default);
        await routes.Hanging.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(20));
        var e = await Assert.ThrowsAsync<CmpException>(() => task);

        Assert.Equal(CmpReasons.MessageTimeout, e.Reason);
        Assert.Equal(First, e.Server);
        Assert.Equal([First, First], routes.Seen);               // ir and certConf, both on the first
        Assert.Equal(["ir"], _server.Requests.Select(r => r.Body));
        Assert.Equal(new CmpServerMove(First, Second, CmpReasons.MessageTimeout, 1), group.LastMove);

        var result = await client.InitialRequestAsync(Request(), _protection, default);
        Assert.Equal(Second, result.Server);
        Assert.NotEqual(e.TransactionId, result.TransactionId);
    }

    [Fact]
    public void Resume_puts_the_group_back_on_a_known_server_and_ignores_one_no_longer_listed()
    {
        var group = new CmpServerGroup(First, Second);

        Assert.True(group.Resume(Second));
        Assert.Equal(Second, group.Current);
        Assert.Equal(1, group.CurrentIndex);
        Assert.False(group.Resume(new Uri("http://127.0.0.1:3/pkix/")));
        Assert.Equal(Second, group.Current);
        Assert.Equal(First, group.ReportFailure(Second, CmpReasons.Connect));
        Assert.Equal(new CmpServerMove(Second, First, CmpReasons.Connect, 1), group.LastMove);
    }

    public void Dispose()
    {
        _server.Dispose();
        _key.Dispose();
        _protection.Dispose();
    }
}

/// <summary>
/// HTTP for two CMP servers: <see cref="CmpServerFailoverTests.First"/> answers with
/// <see cref="FirstAnswers"/> (or, after <see cref="FirstHangsAfter"/> requests, not at all);
/// every other server is the in-process CMP server.
/// </summary>
internal sealed class RoutingHandler(FakeCmpServer server) : HttpMessageHandler
{
    private readonly List<Uri> _seen = [];
    private int _firstRequests;

    public HttpStatusCode? FirstAnswers { get; init; }
    public int? FirstHangsAfter { get; init; }
    public TaskCompletionSource Hanging { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<Uri> Seen
    {
        get
        {
            lock (_seen) return [.. _seen];
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        lock (_seen) _seen.Add(uri);
        var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
        if (uri == CmpServerFailoverTests.First)
        {
            if (FirstAnswers is { } status) return new HttpResponseMessage(status) { Content = new StringContent("<html>down</html>") };
            if (FirstHangsAfter is { } n && Interlocked.Increment(ref _firstRequests) > n)
            {
                Hanging.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
        var answer = new ByteArrayContent(await server.SendAsync(uri, body, cancellationToken));
        answer.Headers.ContentType = new MediaTypeHeaderValue("application/pkixcmp");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = answer };
    }
}
