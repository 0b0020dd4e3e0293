using System.Net;
using System.Security.Authentication;
using Rotor.Acme;
using Rotor.Acme.Jws;
using Rotor.Acme.Orders;
using Rotor.Acme.Transport;
using Rotor.Tests.Acme.Dns01;

namespace Rotor.Tests.Acme;

/// <summary>
/// A request whose connection drops (refused, reset, closed before the answer) is made again
/// after 50 ms and 250 ms, each time signed with a fresh nonce; a third drop, a TLS failure or an
/// unresolvable name reaches the caller at once as a transient "connection" problem.
/// </summary>
public class AcmeTransportRetryTests
{
    private static readonly Uri Directory = new("https://acme.test/dir");

    [Fact]
    public async Task A_new_order_whose_connection_drops_twice_is_sent_again_with_a_fresh_nonce_and_succeeds()
    {
        var clock = new SteppingClock();
        var server = new DroppingServer { Drops = 2 };
        var client = await NewClientAsync(server, clock);
        var started = clock.GetUtcNow();

        var task = client.NewOrderAsync([AcmeIdentifier.Dns("a.example.test")], null, null, CancellationToken.None);
        await clock.DriveAsync(task);

        Assert.Equal("pending", (await task).Status);
        Assert.Equal(2, client.TransportRetries);
        // No nonce came with a dropped request, so each new attempt fetched one: none is used twice.
        Assert.Equal(["GET /dir", "POST /new-order", "HEAD /nonce", "POST /new-order", "HEAD /nonce", "POST /new-order"], server.Requests);
        Assert.Equal(TimeSpan.FromMilliseconds(300), clock.GetUtcNow() - started);
    }

    [Fact]
    public async Task A_third_drop_reaches_the_caller_as_a_transient_connection_problem()
    {
        var clock = new SteppingClock();
        var server = new DroppingServer { Drops = 3 };
        var client = await NewClientAsync(server, clock);

        var task = client.NewOrderAsync([AcmeIdentifier.Dns("a.example.test")], null, null, CancellationToken.None);
        var error = await Assert.ThrowsAsync<AcmeException>(() => clock.DriveAsync(task));

        Assert.Equal("connection", error.ProblemType);
        Assert.True(error.IsTransient);
        Assert.Contains("cannot reach the ACME server at https://acme.test", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.Requests.Count(r => r == "POST /new-order"));
        Assert.Equal(2, client.TransportRetries);
    }

    [Fact]
    public async Task Retries_can_be_turned_off()
    {
        var clock = new SteppingClock();
        var server = new DroppingServer { Drops = 1 };
        var client = await NewClientAsync(server, clock, new AcmeClientOptions { TransportRetries = 0 });

        var error = await Assert.ThrowsAsync<AcmeException>(() =>
            client.NewOrderAsync([AcmeIdentifier.Dns("a.example.test")], null, null, CancellationToken.None));

        Assert.Equal("connection", error.ProblemType);
        Assert.Equal(0, client.TransportRetries);
    }

    [Theory]
    [InlineData(HttpRequestError.SecureConnectionError)]
    [InlineData(HttpRequestError.NameResolutionError)]
    public async Task A_tls_failure_or_an_unknown_name_is_not_sent_again(HttpRequestError kind)
    {
        var clock = new SteppingClock();
        var server = new DroppingServer { Drops = 1, Kind = kind };
        var client = await NewClientAsync(server, clock);

        var error = await Assert.ThrowsAsync<AcmeException>(() =>
            client.NewOrderAsync([AcmeIdentifier.Dns("a.example.test")], null, null, CancellationToken.None));

        Assert.Equal("connection", error.ProblemType);
        Assert.Equal(0, client.TransportRetries);
        Assert.Single(server.Requests, r => r == "POST /new-order");
    }

    private static async Task<AcmeClient> NewClientAsync(DroppingServer server, SteppingClock clock, AcmeClientOptions? options = null)
    {
        var client = new AcmeClient(new HttpClient(server), Directory, AccountKey.CreateEcdsaP256(), clock, options)
        {
            AccountUrl = new Uri("https://acme.test/account/1"),
        };
        await client.GetDirectoryAsync(CancellationToken.None);
        return client;
    }

    /// <summary>newOrder's first <see cref="Drops"/> requests fail on the connection, then it answers.</summary>
    private sealed class DroppingServer : ScriptedAcmeServer
    {
        public int Drops { get; set; }
        public HttpRequestError Kind { get; init; } = HttpRequestError.ResponseEnded;

        protected override HttpResponseMessage Answer(string path)
        {
            if (path != "/new-order") return new HttpResponseMessage(HttpStatusCode.NotFound);
            if (Drops > 0)
            {
                Drops--;
                throw Kind == HttpRequestError.SecureConnectionError
                    ? new HttpRequestException(Kind, "The SSL connection could not be established", new AuthenticationException("untrusted root"))
                    : new HttpRequestException(Kind, $"the connection dropped ({Kind})");
            }
            var response = Json(HttpStatusCode.Created, """
                {"status":"pending","identifiers":[{"type":"dns","value":"a.example.test"}],
                 "authorizations":["https://acme.test/authz/1"],"finalize":"https://acme.test/finalize/1"}
                """);
            response.Headers.Location = new Uri("https://acme.test/order/1");
            return response;
        }
    }
}
