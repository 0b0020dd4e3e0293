using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Rotor.Acme.Jws;

namespace Rotor.Acme.Transport;

/// <summary>
/// Signed requests to an ACME server. Keeps a pool of nonces from every response's
/// Replay-Nonce (so concurrent orders rarely need a newNonce round trip), and retries a
/// <c>badNonce</c> rejection with the nonce that came with the error, several times in a row.
/// A request whose connection dropped (refused, reset, closed before the answer) is made again
/// after a short wait, <paramref name="transportRetries"/> times, signed with a fresh nonce:
/// every ACME request is safe to repeat (a finalize the server already took is answered
/// orderNotReady, which the order flow waits out). Timeouts are not repeated here.
/// Thread-safe.
/// </summary>
public sealed partial class AcmeHttp(HttpClient http, TimeProvider time, ILogger logger, int maxBadNonceRetries = 10, int transportRetries = 2)
{
    /// <summary>The waits before the transport retries; the last repeats.</summary>
    private static readonly TimeSpan[] TransportRetryWaits = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250)];

    private const string JoseJson = "application/jose+json";
    private readonly ConcurrentQueue<string> _nonces = new();
    private Uri? _newNonceUrl;

    public HttpClient Client => http;

    /// <summary>Count of badNonce rejections seen (for tests and metrics).</summary>
    public int BadNonceRetries => _badNonceRetries;
    private int _badNonceRetries;

    /// <summary>Count of requests made again after their connection dropped (for tests and metrics).</summary>
    public int TransportRetries => _transportRetries;
    private int _transportRetries;

    public void SetNewNonceUrl(Uri url) => _newNonceUrl = url;

    public Task<AcmeResponse> GetAsync(Uri url, CancellationToken cancellationToken) =>
        RetryDroppedAsync(url, async () =>
        {
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), cancellationToken);
            return await ReadAsync(response, cancellationToken);
        }, cancellationToken);

    /// <summary>
    /// POSTs a JWS to <paramref name="url"/>. <paramref name="kid"/> null signs with the JWK
    /// (newAccount); <paramref name="payload"/> null with <paramref name="postAsGet"/> is POST-as-GET.
    /// </summary>
    public Task<AcmeResponse> PostAsync(Uri url, AccountKey key, string? kid, JsonNode? payload, bool postAsGet, CancellationToken cancellationToken,
        string accept = "application/json") =>
        RetryDroppedAsync(url, () => PostOnceAsync(url, key, kid, payload, postAsGet, accept, cancellationToken), cancellationToken);

    private async Task<AcmeResponse> PostOnceAsync(Uri url, AccountKey key, string? kid, JsonNode? payload, bool postAsGet, string accept,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var nonce = await TakeNonceAsync(cancellationToken);
            var body = JwsWriter.Sign(key, url.AbsoluteUri, nonce, kid, payload, postAsGet).ToJsonString();
            using var response = await SendAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(JoseJson);
                request.Headers.Accept.ParseAdd(accept);
                return request;
            }, cancellationToken);
            try
            {
                return await ReadAsync(response, cancellationToken);
            }
            catch (AcmeException e) when (e.ProblemType == "badNonce" && attempt < maxBadNonceRetries)
            {
                // The error carried a fresh nonce (already pooled by ReadAsync); try again with it.
                Interlocked.Increment(ref _badNonceRetries);
                LogBadNonce(logger, url, attempt + 1);
            }
        }
    }

    private async Task<AcmeResponse> RetryDroppedAsync(Uri url, Func<Task<AcmeResponse>> request, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await request();
            }
            catch (AcmeException e) when (attempt < transportRetries && IsDroppedConnection(e))
            {
                Interlocked.Increment(ref _transportRetries);
                LogDropped(logger, url, attempt + 1, e.InnerException?.Message ?? e.Message);
                await Task.Delay(TransportRetryWaits[Math.Min(attempt, TransportRetryWaits.Length - 1)], time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// A connection that failed or dropped without an answer. Not a timeout (repeating would
    /// multiply the wait), not a name that does not resolve, not a TLS failure (untrusted
    /// certificate): those are reported at once.
    /// </summary>
    private static bool IsDroppedConnection(AcmeException e) =>
        e.ProblemType == "connection" && e.InnerException is HttpRequestException h
        && h.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded
            or HttpRequestError.Unknown or HttpRequestError.InvalidResponse;

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        using var request = create();
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new AcmeException($"cannot reach the ACME server at {request.RequestUri?.GetLeftPart(UriPartial.Authority)}: {e.Message}",
                "connection", null, isTransient: true, inner: e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AcmeException($"the ACME server at {request.RequestUri?.GetLeftPart(UriPartial.Authority)} did not answer in time",
                "connection", null, isTransient: true, inner: e);
        }
    }

    private async Task<string?> TakeNonceAsync(CancellationToken cancellationToken)
    {
        if (_nonces.TryDequeue(out var nonce)) return nonce;
        var url = _newNonceUrl ?? throw new InvalidOperationException("the directory must be loaded before signed requests");
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, url), cancellationToken);
        if (response.Headers.TryGetValues("Replay-Nonce", out var values))
        {
            return values.First();
        }
        throw new AcmeException($"newNonce at {url} returned no Replay-Nonce (HTTP {(int)response.StatusCode})", null, response.StatusCode, isTransient: true);
    }

    private async Task<AcmeResponse> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Headers.TryGetValues("Replay-Nonce", out var nonces))
        {
            foreach (var n in nonces) _nonces.Enqueue(n);
        }
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var contentType = response.Content.Headers.ContentType?.MediaType ?? "";
        var retryAfter = RetryAfterHeader.Read(response.Headers, time.GetUtcNow());
        if (!response.IsSuccessStatusCode)
        {
            throw Problem(response.StatusCode, contentType, body, retryAfter, response.RequestMessage?.RequestUri);
        }
        var links = new List<(Uri, string)>();
        if (response.Headers.TryGetValues("Link", out var linkValues))
        {
            foreach (var v in linkValues.SelectMany(SplitLinks))
            {
                if (ParseLink(v, response.RequestMessage?.RequestUri) is { } link) links.Add(link);
            }
        }
        var location = response.Headers.Location is { } loc && response.RequestMessage?.RequestUri is { } baseUri ? new Uri(baseUri, loc) : response.Headers.Location;
        return new AcmeResponse(response.StatusCode, location, links, retryAfter, contentType, body);
    }

    private static AcmeException Problem(HttpStatusCode status, string contentType, byte[] body, TimeSpan? retryAfter, Uri? url)
    {
        string? type = null;
        var detail = "";
        var subproblems = new List<AcmeSubproblem>();
        if (contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                if (JsonNode.Parse(body) is JsonObject problem)
                {
                    type = Short(problem["type"]?.GetValue<string>());
                    detail = problem["detail"]?.GetValue<string>() ?? "";
                    if (problem["subproblems"] is JsonArray subs)
                    {
                        foreach (var s in subs.OfType<JsonObject>())
                        {
                            subproblems.Add(new AcmeSubproblem(Short(s["type"]?.GetValue<string>()), s["detail"]?.GetValue<string>(), s["identifier"]?["value"]?.GetValue<string>()));
                        }
                    }
                }
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }
        var text = $"ACME {type ?? "error"} (HTTP {(int)status}) from {url?.AbsolutePath}: {detail}".TrimEnd(' ', ':');
        if (subproblems.Count > 0) text += "; " + string.Join("; ", subproblems.Select(s => $"{s.Identifier}: {s.Type} {s.Detail}"));
        if (retryAfter is { } ra) text += $" (retry after {ra.TotalSeconds:0}s)";
        return new AcmeException(text, type, status, AcmeException.IsTransientProblem(type, status), retryAfter, subproblems);
    }

    internal static string? Short(string? type) =>
        type is not null && type.StartsWith(AcmeException.ProblemPrefix, StringComparison.Ordinal) ? type[AcmeException.ProblemPrefix.Length..] : type;

    private static IEnumerable<string> SplitLinks(string header)
    {
        // Link: <a>;rel="x", <b>;rel="y" — commas inside <...> do not split.
        var depth = 0;
        var start = 0;
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i] == '<') depth++;
            else if (header[i] == '>') depth--;
            else if (header[i] == ',' && depth == 0)
            {
                yield return header[start..i];
                start = i + 1;
            }
        }
        yield return header[start..];
    }

    private static (Uri, string)? ParseLink(string value, Uri? baseUri)
    {
        var open = value.IndexOf('<', StringComparison.Ordinal);
        var close = value.IndexOf('>', StringComparison.Ordinal);
        if (open < 0 || close < open) return null;
        var target = value[(open + 1)..close];
        var relIndex = value.IndexOf("rel=", close, StringComparison.OrdinalIgnoreCase);
        if (relIndex < 0) return null;
        var rel = value[(relIndex + 4)..].Trim().Trim('"');
        var semicolon = rel.IndexOf(';', StringComparison.Ordinal);
        if (semicolon >= 0) rel = rel[..semicolon].Trim('"');
        var uri = baseUri is null ? new Uri(target) : new Uri(baseUri, target);
        return (uri, rel);
    }

    [LoggerMessage(1002, LogLevel.Debug, "the connection to {Url} dropped ({Reason}); request made again, retry {Attempt}")]
    private static partial void LogDropped(ILogger logger, Uri url, int attempt, string reason);

    [LoggerMessage(1001, LogLevel.Debug, "badNonce from {Url}; retry {Attempt} with the nonce of the error")]
    private static partial void LogBadNonce(ILogger logger, Uri url, int attempt);
}
