using CsCheck;
using Xunit.Abstractions;
using Rotor.Acme;
using Rotor.Acme.Challenges;
using Rotor.Acme.Jws;
using Rotor.Acme.Orders;
using Rotor.Acme.Transport;
using Rotor.Tests.Acme;
using Rotor.Tests.Acme.Dns01;

namespace Rotor.Tests.Fuzz;

/// <summary>
/// The ACME client against a CA that breaks one to three of its answers (JSON values swapped for
/// hostile ones, bytes flipped, bodies cut or blown up, headers and statuses changed): account,
/// order with two authorizations, finalize, chain download with an alternate, renewalInfo. Every
/// input must end in success or an <see cref="AcmeException"/>, quickly, and no solver may be
/// handed a token or an identifier the client should have refused.
/// </summary>
public class AcmeFuzzTests(ITestOutputHelper output)
{
    private static readonly AcmeIdentifier[] Asked = [AcmeIdentifier.Dns("a.example.test"), AcmeIdentifier.Dns("*.example.test")];

    [Fact]
    public async Task Broken_server_answers_end_in_success_or_an_AcmeException()
    {
        var iterations = FuzzRun.Iterations(1000);
        var tried = 0;
        var outcomes = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await AcmeMutation.Gen.Array[1, 3].SampleAsync(async mutations =>
        {
            Interlocked.Increment(ref tried);
            var outcome = await RunAsync(mutations).WaitAsync(TimeSpan.FromSeconds(20));
            outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        }, iter: iterations, threads: 2);

        output.WriteLine("outcomes: " + string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));
        Assert.Equal(iterations, tried);
        // The fuzzing reaches both ends: some inputs still issue, and many are refused.
        Assert.True(outcomes.GetValueOrDefault("issued") > 0, string.Join(", ", outcomes));
        Assert.True(outcomes.Keys.Count(k => k != "issued") > 3, string.Join(", ", outcomes));
        FuzzRun.Record("acme-responses", tried);
    }

    /// <summary>Runs the whole client against a server with these changes; the outcome names how it ended.</summary>
    internal static async Task<string> RunAsync(IReadOnlyList<AcmeMutation> mutations)
    {
        var server = new FuzzedAcmeServer
        {
            Mutate = (index, _, answer) => mutations.Where(m => m.Target == index).Aggregate(answer, (a, m) => m.Apply(a)),
        };
        var clock = new SteppingClock();
        clock.SetUtcNow(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var key = AccountKey.CreateEcdsaP256();
        var options = new AcmeClientOptions { OrderTimeout = TimeSpan.FromSeconds(20), MaximumUnansweredPolling = TimeSpan.FromSeconds(5) };
        var client = new AcmeClient(new HttpClient(server), FuzzedAcmeServer.Directory, key, clock, options);
        var solver = new CheckingSolver();
        try
        {
            await clock.DriveAsync(ScenarioAsync(client, solver));
            return "issued";
        }
        catch (AcmeException e)
        {
            return e.ProblemType ?? "error";
        }
        finally
        {
            Assert.Empty(solver.Violations);
        }
    }

    private static async Task ScenarioAsync(AcmeClient client, CheckingSolver solver)
    {
        await client.CreateAccountAsync(["ops@example.test"], termsOfServiceAgreed: true, eab: null, CancellationToken.None);
        var flow = new AcmeOrderFlow(client, _ => solver);
        var result = await flow.IssueAsync(new AcmeIssueRequest(Asked, [0x30, 0x00], PreferredChain: FuzzedAcmeServer.AltRoot), CancellationToken.None);
        Assert.NotEmpty(result.Chain);
        var window = await client.GetRenewalInfoAsync(FuzzedAcmeServer.Leaf, CancellationToken.None);
        Assert.True(window is null || window.End > window.Start);
    }

    /// <summary>A dns-01 solver that only notes what it was asked to prove.</summary>
    private sealed class CheckingSolver : IChallengeSolver
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Violations { get; } = new();

        public string ChallengeType => "dns-01";

        public Task PresentAsync(ChallengeRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
        {
            Check(request);
            return Task.CompletedTask;
        }

        public Task CleanupAsync(ChallengeRequest request, CancellationToken cancellationToken)
        {
            Check(request);
            return Task.CompletedTask;
        }

        private void Check(ChallengeRequest request)
        {
            if (request.Token.Length == 0 || request.Token.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            {
                Violations.Enqueue("token " + request.Token);
            }
            if (!Asked.Any(a => string.Equals(a.Value, request.Identifier, StringComparison.OrdinalIgnoreCase)))
            {
                Violations.Enqueue("identifier " + request.Identifier);
            }
        }
    }
}
