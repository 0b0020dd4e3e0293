using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Rotor.Acme.Jws;
using Rotor.Acme.Orders;
using Rotor.Acme.Transport;

namespace Rotor.Acme;

public sealed partial class AcmeClient
{
    /// <summary>
    /// Places an order. <paramref name="replaces"/> is the ARI certID of the certificate this one
    /// renews (RFC 9773 5); <paramref name="profile"/> a profile the directory offers.
    /// </summary>
    public async Task<AcmeOrder> NewOrderAsync(IReadOnlyList<AcmeIdentifier> identifiers, string? replaces, string? profile, CancellationToken cancellationToken)
    {
        var directory = await GetDirectoryAsync(cancellationToken);
        var payload = new JsonObject { ["identifiers"] = new JsonArray([.. identifiers.Select(i => (JsonNode)i.ToJson())]) };
        if (replaces is not null && directory.RenewalInfo is not null) payload["replaces"] = replaces;
        if (profile is not null)
        {
            if (!directory.Profiles.ContainsKey(profile))
            {
                throw new AcmeException(directory.Profiles.Count == 0
                    ? $"the ACME server offers no profiles, so profile '{profile}' cannot be used"
                    : $"the ACME server offers no profile '{profile}' (offered: {string.Join(", ", directory.Profiles.Keys)})", "invalidProfile", null, false);
            }
            payload["profile"] = profile;
        }
        var response = await PostAsync(directory.NewOrder, payload, cancellationToken);
        var url = response.Location ?? throw AcmeException.Malformed("newOrder answered without a usable Location header");
        return AcmeOrder.Parse(url, response.Json("the new order"));
    }

    public async Task<AcmeOrder> GetOrderAsync(Uri url, CancellationToken cancellationToken) =>
        AcmeOrder.Parse(url, (await PostAsGetAsync(url, cancellationToken)).Json($"the order at {url.AbsolutePath}"));

    public async Task<AcmeAuthorization> GetAuthorizationAsync(Uri url, CancellationToken cancellationToken) =>
        AcmeAuthorization.Parse(url, (await PostAsGetAsync(url, cancellationToken)).Json($"the authorization at {url.AbsolutePath}"));

    /// <summary>Tells the server the challenge is ready to be checked (POST with an empty object).</summary>
    public async Task<AcmeChallenge> AnswerChallengeAsync(AcmeChallenge challenge, CancellationToken cancellationToken) =>
        AcmeChallenge.Parse(challenge.Url, (await PostAsync(challenge.Url, new JsonObject(), cancellationToken)).Json($"the challenge at {challenge.Url.AbsolutePath}"));

    /// <summary>The key authorization of a challenge token (RFC 8555 8.1).</summary>
    public string KeyAuthorization(string token) => token + "." + AccountKey.Thumbprint();

    /// <summary>The TXT record value for DNS-01 (RFC 8555 8.4).</summary>
    public string Dns01Value(string token) =>
        Base64Url.Encode(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(KeyAuthorization(token))));

    /// <summary>Polls an authorization until it is no longer pending; honours Retry-After.</summary>
    public async Task<AcmeAuthorization> WaitForAuthorizationAsync(Uri url, CancellationToken cancellationToken)
    {
        return await PollAsync(url, async ct =>
        {
            var response = await PostAsGetAsync(url, ct);
            var authz = AcmeAuthorization.Parse(url, response.Json($"the authorization at {url.AbsolutePath}"));
            return (authz, authz.Status is not "pending" and not "processing", response.RetryAfter);
        }, cancellationToken);
    }

    /// <summary>Finalizes with a PKCS#10 request, then polls until the order is valid or invalid.</summary>
    public async Task<AcmeOrder> FinalizeAsync(AcmeOrder order, byte[] csrDer, CancellationToken cancellationToken)
    {
        var response = await PostAsync(order.Finalize, new JsonObject { ["csr"] = Base64Url.Encode(csrDer) }, cancellationToken);
        var current = AcmeOrder.Parse(order.Url, response.Json($"the finalized order at {order.Url.AbsolutePath}"));
        if (current.Status is "valid" or "invalid") return current;
        return await WaitForOrderAsync(order.Url, response.RetryAfter, cancellationToken);
    }

    public async Task<AcmeOrder> WaitForOrderAsync(Uri url, TimeSpan? firstWait, CancellationToken cancellationToken)
    {
        return await PollAsync(url, async ct =>
        {
            var response = await PostAsGetAsync(url, ct);
            var order = AcmeOrder.Parse(url, response.Json($"the order at {url.AbsolutePath}"));
            return (order, order.Status is "valid" or "invalid" or "ready", response.RetryAfter);
        }, cancellationToken, firstWait);
    }

    /// <summary>
    /// Polls at once (or after <paramref name="firstWait"/>, the server's Retry-After), then after each
    /// wait of <see cref="AcmeClientOptions.PollSteps"/> in turn (the last repeats), or after the server's
    /// Retry-After (capped at <see cref="AcmeClientOptions.MaximumPollWait"/>) when it gives one, until
    /// done or <see cref="AcmeClientOptions.OrderTimeout"/> passes.
    /// </summary>
    private async Task<T> PollAsync<T>(Uri url, Func<CancellationToken, Task<(T Value, bool Done, TimeSpan? RetryAfter)>> poll,
        CancellationToken cancellationToken, TimeSpan? firstWait = null)
    {
        var deadline = _time.GetUtcNow() + Options.OrderTimeout;
        var waits = 0;
        var pollNow = firstWait is null;
        TimeSpan? retryAfter = firstWait;
        DateTimeOffset? unansweredSince = null;
        while (true)
        {
            if (!pollNow)
            {
                await Task.Delay(NextPollWait(waits++, retryAfter), _time, cancellationToken);
            }
            pollNow = false;
            T value;
            bool done;
            try
            {
                (value, done, retryAfter) = await poll(cancellationToken);
            }
            catch (AcmeException e) when (e.ProblemType == "connection" && _time.GetUtcNow() <= deadline)
            {
                // A poll is a read: one that got no answer (a dropped connection, a server that let
                // the request time out) is simply made again at the next step, until the deadline,
                // unless the server has answered none of them for MaximumUnansweredPolling.
                var now = _time.GetUtcNow();
                unansweredSince ??= now;
                if (now - unansweredSince.Value >= Options.MaximumUnansweredPolling)
                {
                    throw new AcmeException(
                        $"{url.AbsolutePath}: no answer to any poll for {(now - unansweredSince.Value).TotalSeconds:0}s; last: {e.Message}",
                        "connection", null, isTransient: true, inner: e);
                }
                retryAfter = null;
                continue;
            }
            unansweredSince = null;
            if (done) return value;
            if (_time.GetUtcNow() > deadline)
            {
                throw new AcmeException($"{url.AbsolutePath} did not finish within {Options.OrderTimeout.TotalSeconds:0}s", "timeout", null, isTransient: true);
            }
        }
    }

    /// <summary>The wait before the next poll: the server's Retry-After (capped), else the next quick step.</summary>
    internal TimeSpan NextPollWait(int waitsSoFar, TimeSpan? retryAfter)
    {
        if (retryAfter is { } server) return server > Options.MaximumPollWait ? Options.MaximumPollWait : server;
        return Options.PollSteps[Math.Min(waitsSoFar, Options.PollSteps.Count - 1)];
    }

    /// <summary>
    /// Downloads the certificate chain (leaf first) and the URLs of alternate chains (at most
    /// <see cref="AcmeLimits.MaxAlternates"/>).
    /// </summary>
    public async Task<(X509Certificate2Collection Chain, IReadOnlyList<Uri> Alternates)> DownloadCertificateAsync(Uri url, CancellationToken cancellationToken)
    {
        var response = await PostAsGetAsync(url, cancellationToken, "application/pem-certificate-chain");
        var chain = PemChain.Read(response.Body, $"the certificate at {url.AbsolutePath}");
        return (chain, response.LinksOf("alternate").Take(AcmeLimits.MaxAlternates).ToList());
    }

    /// <summary>
    /// Downloads the default chain and, if <paramref name="preferredIssuer"/> is given, the first
    /// alternate whose topmost certificate's issuer common name matches it (as certbot and lego do).
    /// An alternate is a wish: one that cannot be fetched or read is passed over, so the default
    /// chain of an issued certificate is never lost to it.
    /// </summary>
    public async Task<X509Certificate2Collection> DownloadPreferredChainAsync(Uri url, string? preferredIssuer, CancellationToken cancellationToken)
    {
        var (chain, alternates) = await DownloadCertificateAsync(url, cancellationToken);
        if (preferredIssuer is null || Matches(chain, preferredIssuer)) return chain;
        foreach (var alternate in alternates)
        {
            X509Certificate2Collection candidate;
            try
            {
                (candidate, _) = await DownloadCertificateAsync(alternate, cancellationToken);
            }
            catch (AcmeException e)
            {
                LogAlternateSkipped(_logger, alternate, e.Message);
                continue;
            }
            if (Matches(candidate, preferredIssuer))
            {
                PemChain.Dispose(chain);
                return candidate;
            }
            PemChain.Dispose(candidate);
        }
        return chain;
    }

    [LoggerMessage(AcmeEventIds.AlternateSkipped, LogLevel.Debug, "alternate chain {Url} passed over: {Reason}")]
    private static partial void LogAlternateSkipped(ILogger logger, Uri url, string reason);

    private static bool Matches(X509Certificate2Collection chain, string issuerName) =>
        string.Equals(chain[^1].GetNameInfo(X509NameType.SimpleName, forIssuer: true), issuerName, StringComparison.OrdinalIgnoreCase);

    /// <summary>Revokes a certificate with the account key (RFC 8555 7.6).</summary>
    public async Task RevokeAsync(X509Certificate2 certificate, int? reason, CancellationToken cancellationToken)
    {
        var directory = await GetDirectoryAsync(cancellationToken);
        var url = directory.RevokeCert ?? throw new AcmeException("the ACME server offers no revokeCert");
        var payload = new JsonObject { ["certificate"] = Base64Url.Encode(certificate.RawData) };
        if (reason is { } r) payload["reason"] = r;
        await PostAsync(url, payload, cancellationToken);
    }
}
