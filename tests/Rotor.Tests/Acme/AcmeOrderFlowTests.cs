using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rotor.Acme;
using Rotor.Acme.Challenges;
using Rotor.Acme.Jws;
using Rotor.Acme.Orders;

namespace Rotor.Tests.Acme;

/// <summary>
/// The order flow's round trips against a scripted server: once every authorization is valid the
/// order is finalized at once (no order poll before finalize); a server that has not caught up
/// and answers orderNotReady is waited for, then finalized again.
/// </summary>
public class AcmeOrderFlowTests
{
    [Fact]
    public async Task Finalizes_as_soon_as_the_authorizations_are_valid_without_polling_the_order_first()
    {
        var server = new OrderServer();
        var result = await IssueAsync(server);

        Assert.Equal(server.LeafSubject, result.Chain[0].Subject);
        Assert.Equal(
            ["POST /new-order", "POST /authz/1", "POST /chall/1", "POST /authz/1", "POST /finalize/1", "POST /cert/1"],
            server.Requests.Where(r => r != "GET /dir" && r != "HEAD /nonce"));
        Assert.Equal(1, server.Solver.Cleanups);
    }

    [Fact]
    public async Task An_order_not_ready_at_finalize_is_waited_for_then_finalized_again()
    {
        var server = new OrderServer { NotReadyAnswers = 1, OrderPollsBeforeReady = 2 };
        var result = await IssueAsync(server);

        Assert.Equal(server.LeafSubject, result.Chain[0].Subject);
        Assert.Equal(
            ["POST /new-order", "POST /authz/1", "POST /chall/1", "POST /authz/1", "POST /finalize/1",
             "POST /order/1", "POST /order/1", "POST /order/1", "POST /finalize/1", "POST /cert/1"],
            server.Requests.Where(r => r != "GET /dir" && r != "HEAD /nonce"));
    }

    [Fact]
    public async Task An_order_not_ready_that_turns_invalid_ends_with_the_orders_error()
    {
        var server = new OrderServer { NotReadyAnswers = 1, OrderPollsBeforeReady = 1, ReadyStatus = "invalid" };
        var error = await Assert.ThrowsAsync<Rotor.Acme.Transport.AcmeException>(() => IssueAsync(server));

        Assert.Contains("ended invalid", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Requests.Count(r => r == "POST /finalize/1"));
    }

    private static async Task<AcmeIssueResult> IssueAsync(OrderServer server)
    {
        using var key = AccountKey.CreateEcdsaP256();
        var client = new AcmeClient(new HttpClient(server), new Uri("https://acme.test/dir"), key)
        {
            AccountUrl = new Uri("https://acme.test/account/1"),
        };
        var flow = new AcmeOrderFlow(client, _ => server.Solver);
        return await flow.IssueAsync(new AcmeIssueRequest([AcmeIdentifier.Dns("a.example.test")], [0x30, 0x00]), CancellationToken.None);
    }

    private sealed class RecordingSolver : IChallengeSolver
    {
        public string ChallengeType => "http-01";
        public int Cleanups { get; private set; }
        public Task PresentAsync(ChallengeRequest request, IProgress<string>? progress, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task CleanupAsync(ChallengeRequest request, CancellationToken cancellationToken)
        {
            Cleanups++;
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// One order with one authorization. Finalize answers orderNotReady <see cref="NotReadyAnswers"/>
    /// times; the order then reads "pending" for <see cref="OrderPollsBeforeReady"/> polls, then
    /// <see cref="ReadyStatus"/>. A finalize that is accepted makes the order valid at once.
    /// </summary>
    private sealed class OrderServer : ScriptedAcmeServer
    {
        private readonly string _leafPem;
        private int _orderPolls;
        private bool _finalized;

        public OrderServer()
        {
            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(LeafSubject, ec, HashAlgorithmName.SHA256);
            using var leaf = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddMinutes(-1), TimeProvider.System.GetUtcNow().AddDays(1));
            _leafPem = leaf.ExportCertificatePem();
        }

        public string LeafSubject => "CN=a.example.test";
        public int NotReadyAnswers { get; set; }
        public int OrderPollsBeforeReady { get; init; }
        public string ReadyStatus { get; init; } = "ready";
        public RecordingSolver Solver { get; } = new();

        protected override HttpResponseMessage Answer(string path) => path switch
            {
                "/new-order" => Order(HttpStatusCode.Created, "pending"),
                "/authz/1" => Json(HttpStatusCode.OK, $$"""
                    {"status":"{{(Requests.Contains("POST /chall/1") ? "valid" : "pending")}}","identifier":{"type":"dns","value":"a.example.test"},
                     "challenges":[{"type":"http-01","url":"https://acme.test/chall/1","status":"pending","token":"tok"}]}
                    """),
                "/chall/1" => Json(HttpStatusCode.OK, """{"type":"http-01","url":"https://acme.test/chall/1","status":"processing","token":"tok"}"""),
                "/finalize/1" => Finalize(),
                "/order/1" => Order(HttpStatusCode.OK, _finalized ? "valid" : _orderPolls++ < OrderPollsBeforeReady ? "pending" : ReadyStatus),
                "/cert/1" => new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = new StringContent(_leafPem, Encoding.ASCII, "application/pem-certificate-chain"),
                },
                _ => new HttpResponseMessage(HttpStatusCode.NotFound),
            };

        private HttpResponseMessage Finalize()
        {
            if (NotReadyAnswers > 0)
            {
                NotReadyAnswers--;
                return Problem(HttpStatusCode.Forbidden, "orderNotReady", "order is pending");
            }
            _finalized = true;
            return Order(HttpStatusCode.OK, "valid");
        }

        private static HttpResponseMessage Order(HttpStatusCode code, string status)
        {
            var response = Json(code, $$"""
                {"status":"{{status}}","identifiers":[{"type":"dns","value":"a.example.test"}],"authorizations":["https://acme.test/authz/1"],
                 "finalize":"https://acme.test/finalize/1"{{(status == "valid" ? ",\"certificate\":\"https://acme.test/cert/1\"" : "")}}}
                """);
            response.Headers.Location = new Uri("https://acme.test/order/1");
            return response;
        }
    }
}
