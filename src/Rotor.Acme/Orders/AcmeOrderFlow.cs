using System.Security.Cryptography.X509Certificates;
using Rotor.Acme.Challenges;
using Rotor.Acme.Transport;

namespace Rotor.Acme.Orders;

/// <summary>What to order: identifiers, the CSR, and the optional RFC 9773/profile/chain wishes.</summary>
public sealed record AcmeIssueRequest(
    IReadOnlyList<AcmeIdentifier> Identifiers,
    byte[] CertificationRequestDer,
    string? PreferredChain = null,
    string? Replaces = null,
    string? Profile = null);

/// <summary>The certificate chain (leaf first) and the order it came from.</summary>
public sealed record AcmeIssueResult(X509Certificate2Collection Chain, AcmeOrder Order);

/// <summary>
/// One order from start to certificate: statuses are checked as they are (an order may be
/// ready at once with reused authorizations), every pending authorization is solved at the
/// same time, challenges are cleaned up whatever happens, and waits follow the client's
/// quick polling.
/// </summary>
public sealed class AcmeOrderFlow(AcmeClient client, Func<AcmeIdentifier, IChallengeSolver?> selectSolver, IProgress<string>? progress = null)
{
    public async Task<AcmeIssueResult> IssueAsync(AcmeIssueRequest request, CancellationToken cancellationToken)
    {
        var order = await client.NewOrderAsync(request.Identifiers, request.Replaces, request.Profile, cancellationToken);
        progress?.Report($"order {order.Url.AbsolutePath} is {AcmeLimits.Quote(order.Status, 64)}");
        if (order.Status == "invalid")
        {
            throw new AcmeException($"the new order is invalid: {order.Error}", order.Error?.Type, null, isTransient: false);
        }
        if (order.Status == "pending")
        {
            await AuthorizeAsync(order, request.Identifiers, cancellationToken);
            // Every authorization is valid, so the order is ready (RFC 8555 7.1.6): finalize at
            // once. A server that has not caught up answers orderNotReady; then wait for it.
            try
            {
                order = await client.FinalizeAsync(order, request.CertificationRequestDer, cancellationToken);
            }
            catch (AcmeException e) when (e.ProblemType == "orderNotReady")
            {
                progress?.Report($"order {order.Url.AbsolutePath} not ready yet after its authorizations; waiting for it");
                order = await client.WaitForOrderAsync(order.Url, null, cancellationToken);
                if (order.Status == "ready")
                {
                    order = await client.FinalizeAsync(order, request.CertificationRequestDer, cancellationToken);
                }
            }
        }
        else if (order.Status == "ready")
        {
            order = await client.FinalizeAsync(order, request.CertificationRequestDer, cancellationToken);
        }
        else if (order.Status == "processing")
        {
            order = await client.WaitForOrderAsync(order.Url, null, cancellationToken);
        }
        if (order.Status != "valid" || order.Certificate is null)
        {
            throw new AcmeException($"order {order.Url.AbsolutePath} ended {AcmeLimits.Quote(order.Status, 64)}: {order.Error}", order.Error?.Type, null,
                AcmeException.IsTransientProblem(order.Error?.Type, null));
        }
        progress?.Report("order valid; downloading the certificate");
        return new AcmeIssueResult(await client.DownloadPreferredChainAsync(order.Certificate, request.PreferredChain, cancellationToken), order);
    }

    private async Task AuthorizeAsync(AcmeOrder order, IReadOnlyList<AcmeIdentifier> requested, CancellationToken cancellationToken)
    {
        var authorizations = await Task.WhenAll(order.Authorizations.Select(u => client.GetAuthorizationAsync(u, cancellationToken)));
        var work = new List<(AcmeAuthorization Authz, AcmeChallenge Challenge, IChallengeSolver Solver, ChallengeRequest Request)>();
        foreach (var authz in authorizations)
        {
            switch (authz.Status)
            {
                case "valid":
                    progress?.Report($"{Quoted(authz.Identifier)}: authorization already valid (reused)");
                    continue;
                case "pending":
                    break;
                default:
                    throw new AcmeException($"{Quoted(authz.Identifier)}: authorization is {AcmeLimits.Quote(authz.Status, 64)}", null, null, isTransient: false);
            }
            CheckAskedFor(authz, requested);
            var solver = selectSolver(authz.Identifier)
                ?? throw new AcmeException($"{Quoted(authz.Identifier)}: no solver is configured for this identifier", null, null, isTransient: false);
            var challenge = authz.Challenges.FirstOrDefault(c => c.Type == solver.ChallengeType)
                ?? throw new AcmeException($"{Quoted(authz.Identifier)}: the server offers no {solver.ChallengeType} challenge (offered: {AcmeLimits.Quote(string.Join(", ", authz.Challenges.Select(c => c.Type)), 300)})",
                    null, null, isTransient: false);
            CheckToken(authz, challenge);
            var name = authz.Wildcard ? "*." + authz.Identifier.Value : authz.Identifier.Value;
            work.Add((authz, challenge, solver, new ChallengeRequest(name, challenge.Token, client.KeyAuthorization(challenge.Token), client.Dns01Value(challenge.Token))));
        }
        if (work.Count == 0) return;

        var presented = new List<(IChallengeSolver, ChallengeRequest)>();
        try
        {
            // Listed before presenting: a present that fails half-way (record added, propagation
            // timed out) is cleaned up too; cleanup is idempotent by contract.
            presented.AddRange(work.Select(w => (w.Solver, w.Request)));
            await Task.WhenAll(work.Select(w => w.Solver.PresentAsync(w.Request, progress, cancellationToken)));
            await Task.WhenAll(work.Select(w => client.AnswerChallengeAsync(w.Challenge, cancellationToken)));
            progress?.Report($"answered {work.Count} challenge(s); waiting for the CA to check them");
            var results = await Task.WhenAll(work.Select(w => client.WaitForAuthorizationAsync(w.Authz.Url, cancellationToken)));
            var failed = results.Where(a => a.Status != "valid").ToList();
            if (failed.Count > 0)
            {
                var first = failed[0].Error;
                throw new AcmeException(
                    "challenge validation failed: " + string.Join("; ", failed.Select(a => $"{Quoted(a.Identifier)}: {AcmeLimits.Quote(a.Status, 64)} ({a.Error?.ToString() ?? "no detail"})")),
                    first?.Type, null, AcmeException.IsTransientProblem(first?.Type, null));
            }
        }
        finally
        {
            await CleanupAsync(presented);
        }
    }

    /// <summary>
    /// Solvers act on the identifier (DNS records, files, hook scripts): only an identifier this
    /// order asked for is proven, so a server cannot have Rotor write records for another name.
    /// </summary>
    private static void CheckAskedFor(AcmeAuthorization authz, IReadOnlyList<AcmeIdentifier> requested)
    {
        var value = authz.Wildcard ? "*." + authz.Identifier.Value : authz.Identifier.Value;
        if (!requested.Any(r => string.Equals(r.Type, authz.Identifier.Type, StringComparison.OrdinalIgnoreCase) && SameValue(r.Value, value)))
        {
            throw AcmeException.Malformed($"the authorization at {authz.Url.AbsolutePath} is for {Quoted(authz.Identifier)}{(authz.Wildcard ? " (wildcard)" : "")}, which this order did not ask for");
        }
    }

    // DNS names compare without case or a final dot; addresses (RFC 8738) by value, whatever their spelling.
    private static bool SameValue(string asked, string given) =>
        System.Net.IPAddress.TryParse(asked, out var a) && System.Net.IPAddress.TryParse(given, out var b)
            ? a.Equals(b)
            : string.Equals(asked.TrimEnd('.'), given.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// RFC 8555 8.1: a token is base64url. It becomes a file name (webroot) and a script argument,
    /// so one with any other character ("../", "/") is refused before a solver sees it.
    /// </summary>
    private static void CheckToken(AcmeAuthorization authz, AcmeChallenge challenge)
    {
        if (!AcmeLimits.IsBase64Url(challenge.Token, AcmeLimits.MaxTokenLength))
        {
            throw AcmeException.Malformed($"the {AcmeLimits.Quote(challenge.Type, 64)} challenge of {Quoted(authz.Identifier)} has a token that is empty or not base64url");
        }
    }

    private static string Quoted(AcmeIdentifier identifier) => AcmeLimits.Quote(identifier.ToString(), 300);

    /// <summary>Removes every presented proof; one failed cleanup does not stop the others nor hide the order's own error.</summary>
    private async Task CleanupAsync(List<(IChallengeSolver Solver, ChallengeRequest Request)> presented)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var (solver, request) in presented)
        {
            try
            {
                await solver.CleanupAsync(request, timeout.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                progress?.Report($"{request.Identifier}: cleanup failed: {e.Message}");
            }
        }
    }
}
