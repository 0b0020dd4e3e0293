using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Rotor.Acme;
using Rotor.Acme.Jws;
using Rotor.Acme.Transport;
using Rotor.Tests.Acme.Dns01;

namespace Rotor.Tests.Acme;

/// <summary>
/// Order and authorization polling against a scripted server: the first poll is made at once, then
/// the quick steps in order, a Retry-After is followed (capped), the deadline ends it, and a
/// badNonce rejection of a poll is retried with the nonce of the error.
/// </summary>
public class AcmePollingTests
{
    private static readonly Uri Directory = new("https://acme.test/dir");
    private static readonly Uri Order = new("https://acme.test/order/1");

    [Fact]
    public async Task Polls_at_once_then_along_the_quick_steps_until_valid()
    {
        var clock = new SteppingClock();
        var server = new ScriptedServer(["processing", "processing", "processing", "processing", "valid"]);
        var client = await NewClientAsync(server, clock);

        var task = client.WaitForOrderAsync(Order, null, CancellationToken.None);
        await clock.DriveAsync(task);

        Assert.Equal("valid", (await task).Status);
        Assert.Equal(5, server.OrderPolls);
        var steps = new AcmeClientOptions().PollSteps;
        Assert.Equal(steps.Take(4), server.PollTimes.Zip(server.PollTimes.Skip(1), (a, b) => b - a));
        Assert.Equal(TimeSpan.Zero, server.PollTimes[0] - server.Started);
    }

    [Fact]
    public async Task A_retry_after_is_followed_and_capped()
    {
        var clock = new SteppingClock();
        var server = new ScriptedServer(["processing", "processing", "valid"])
        {
            RetryAfter = [TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(10)],
        };
        var client = await NewClientAsync(server, clock);

        var task = client.WaitForOrderAsync(Order, null, CancellationToken.None);
        await clock.DriveAsync(task);

        Assert.Equal("valid", (await task).Status);
        Assert.Equal([TimeSpan.FromSeconds(3), new AcmeClientOptions().MaximumPollWait],
            server.PollTimes.Zip(server.PollTimes.Skip(1), (a, b) => b - a));
    }

    [Fact]
    public async Task A_first_wait_from_finalize_is_waited_before_the_first_poll()
    {
        var clock = new SteppingClock();
        var server = new ScriptedServer(["valid"]);
        var client = await NewClientAsync(server, clock);

        var task = client.WaitForOrderAsync(Order, TimeSpan.FromSeconds(2), CancellationToken.None);
        await clock.DriveAsync(task);

        Assert.Equal(TimeSpan.FromSeconds(2), server.PollTimes[0] - server.Started);
    }

    [Fact]
    public async Task Polling_ends_at_the_order_deadline()
    {
        var clock = new SteppingClock();
        var server = new ScriptedServer(["processing"]);
        var client = await NewClientAsync(server, clock, new AcmeClientOptions { OrderTimeout = TimeSpan.FromSeconds(10) });

        var task = client.WaitForOrderAsync(Order, null, CancellationToken.None);
        var error = await Assert.ThrowsAsync<AcmeException>(() => clock.DriveAsync(task));

        Assert.Equal("timeout", error.ProblemType);
        // At once, then 2+4+8+16+32+64+128+256+512 ms, 1 s and 2 s steps: the 15th poll, at 10.022 s, is past the deadline.
        Assert.Equal(15, server.OrderPolls);
    }

    [Fact]
    public async Task Polls_that_get_no_answer_are_made_again_and_the_order_goes_on()
    {
        var clock = new SteppingClock();
        var server = new ScriptedServer(["processing", "valid"]) { DropAfterAnswers = 1, Drops = 3 };
        var client = await NewClientAsync(server, clock);

        var task = client.WaitForOrderAsync(Order, null, CancellationToken.None);
        await clock.DriveAsync(task);

        Assert.Equal("valid", (await task).Status);
        Assert.Equal(3, server.Dropped);
        Assert.Equal(2, server.OrderPolls);
    }

    [Fact]
    public async Task A_server_that_answers_no_poll_for_thirty_seconds_ends_the_order_with_the_transport_error()
    {
        var clock = new SteppingClock();
        var server = new ScriptedServer(["processing"]) { DropAfterAnswers = 1, Drops = int.MaxValue };
        var client = await NewClientAsync(server, clock);

        var task = client.WaitForOrderAsync(Order, null, CancellationToken.None);
        var error = await Assert.ThrowsAsync<AcmeException>(() => clock.DriveAsync(task));

        Assert.Equal("connection", error.ProblemType);
        Assert.True(error.IsTransient);
        Assert.Contains("no answer to any poll for 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("Connection refused", error.Message, StringComparison.Ordinal);
        var waited = clock.GetUtcNow() - server.Started;
        Assert.InRange(waited, new AcmeClientOptions().MaximumUnansweredPolling, TimeSpan.FromSeconds(33));
        Assert.Equal(1, server.OrderPolls);
    }

    [Fact]
    public async Task A_poll_rejected_for_its_nonce_is_made_again_with_the_nonce_of_the_error()
    {
        var clock = new SteppingClock();
        var server = new ScriptedServer(["processing", "valid"]) { BadNonces = 3 };
        var client = await NewClientAsync(server, clock);

        var task = client.WaitForOrderAsync(Order, null, CancellationToken.None);
        await clock.DriveAsync(task);

        Assert.Equal("valid", (await task).Status);
        Assert.Equal(3, client.BadNonceRetries);
        Assert.Equal(2, server.OrderPolls);
    }

    private static async Task<AcmeClient> NewClientAsync(ScriptedServer server, SteppingClock clock, AcmeClientOptions? options = null)
    {
        server.Clock = clock;
        var client = new AcmeClient(new HttpClient(server), Directory, AccountKey.CreateEcdsaP256(), clock, options)
        {
            AccountUrl = new Uri("https://acme.test/account/1"),
        };
        await client.GetDirectoryAsync(CancellationToken.None);
        server.Started = clock.GetUtcNow();
        return client;
    }

    /// <summary>
    /// Directory, newNonce and one order whose statuses follow a script (the last repeats). Every
    /// answer carries a fresh nonce; the first <see cref="BadNonces"/> order polls are rejected.
    /// </summary>
    private sealed class ScriptedServer(IReadOnlyList<string> statuses) : ScriptedAcmeServer
    {
        public TimeProvider Clock { get; set; } = TimeProvider.System;
        public DateTimeOffset Started { get; set; }
        public IReadOnlyList<TimeSpan> RetryAfter { get; init; } = [];
        public int BadNonces { get; set; }
        public int OrderPolls { get; private set; }
        public List<DateTimeOffset> PollTimes { get; } = [];

        /// <summary>Order polls from this answered one on are dropped (the connection refused) ...</summary>
        public int DropAfterAnswers { get; init; } = int.MaxValue;

        /// <summary>... this many times (then answered again).</summary>
        public int Drops { get; set; }

        public int Dropped { get; private set; }

        protected override HttpResponseMessage Answer(string path) =>
            path == "/order/1" ? Poll() : new HttpResponseMessage(HttpStatusCode.NotFound);

        private HttpResponseMessage Poll()
        {
            if (OrderPolls >= DropAfterAnswers && Drops > 0)
            {
                Drops--;
                Dropped++;
                throw new HttpRequestException("Connection refused (acme.test:443)");
            }
            if (BadNonces > 0)
            {
                BadNonces--;
                return Problem(HttpStatusCode.BadRequest, "badNonce", "stale");
            }
            PollTimes.Add(Clock.GetUtcNow());
            var status = statuses[Math.Min(OrderPolls, statuses.Count - 1)];
            var response = Json(HttpStatusCode.OK, $$"""
                {"status":"{{status}}","identifiers":[{"type":"dns","value":"a.example.test"}],"authorizations":[],
                 "finalize":"https://acme.test/finalize/1"{{(status == "valid" ? ",\"certificate\":\"https://acme.test/cert/1\"" : "")}}}
                """);
            if (OrderPolls < RetryAfter.Count) response.Headers.RetryAfter = new RetryConditionHeaderValue(RetryAfter[OrderPolls]);
            OrderPolls++;
            return response;
        }
    }
}
