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
            return await ReadAsync(response, AcmeLimits.MaxJsonBytes, cancellationToken);
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
                return await ReadAsync(response, LimitFor(accept), cancellationToken);
            }
            catch (AcmeException e) when (e.ProblemType == "badNonce" && attempt < maxBadNonceRetries)
            {
                // The error carried a fresh nonce (already pooled by ReadAsync); try again with it.
                Interlocked.Increment(ref _badNonceRetries);
                LogBadNonce(logger, url, attempt + 1);
            }
        }
    }

    private static int LimitFor(string accept) =>
        accept.Contains("pem-certificate-chain", StringComparison.OrdinalIgnoreCase) ? AcmeLimits.MaxChainBytes : AcmeLimits.MaxJsonBytes;

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
            // Headers only: the body is read by ReadBodyAsync, up to a limit. The default would
            // buffer all of it first, up to the client's 2 GB MaxResponseContentBufferSize.
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
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
        if (response.Headers.TryGetValues("Replay-Nonce", out var values) && values.FirstOrDefault(IsNonce) is { } fresh)
        {
            return fresh;
        }
        throw new AcmeException($"newNonce at {url} returned no usable Replay-Nonce (HTTP {(int)response.StatusCode})", null, response.StatusCode, isTransient: true);
    }

    /// <summary>RFC 8555 6.5.1: a nonce is base64url, and a client must ignore one that is not.</summary>
    private static bool IsNonce(string value) => AcmeLimits.IsBase64Url(value, AcmeLimits.MaxNonceLength);

    private async Task<AcmeResponse> ReadAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        if (response.Headers.TryGetValues("Replay-Nonce", out var nonces))
        {
            foreach (var n in nonces.Where(IsNonce))
            {
                if (_nonces.Count >= AcmeLimits.MaxPooledNonces) break;
                _nonces.Enqueue(n);
            }
        }
        var url = response.RequestMessage?.RequestUri;
        var body = await ReadBodyAsync(response, limit, url, cancellationToken);
        var contentType = response.Content.Headers.ContentType?.MediaType ?? "";
        var retryAfter = RetryAfterHeader.Read(response.Headers, time.GetUtcNow());
        if (!response.IsSuccessStatusCode)
        {
            throw AcmeResponseReader.Problem(response.StatusCode, contentType, body, retryAfter, url);
        }
        if (body is null)
        {
            throw AcmeException.Malformed($"the answer from {url?.AbsolutePath} is larger than {limit} bytes");
        }
        return new AcmeResponse(response.StatusCode, AcmeResponseReader.Location(response), AcmeResponseReader.Links(response), retryAfter, contentType, body);
    }

    /// <summary>
    /// The body up to <paramref name="limit"/> bytes (null beyond). With headers-only sending the
    /// client's Timeout ends once the headers are in, so the body gets the same time again: a
    /// server that trickles its body cannot hold the request open for ever.
    /// </summary>
    private async Task<byte[]?> ReadBodyAsync(HttpResponseMessage response, int limit, Uri? url, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (http.Timeout != Timeout.InfiniteTimeSpan) timeout.CancelAfter(http.Timeout);
        try
        {
            return await AcmeResponseReader.ReadBoundedAsync(response.Content, limit, timeout.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AcmeException($"the ACME server at {url?.GetLeftPart(UriPartial.Authority)} did not send its answer in time",
                "connection", null, isTransient: true, inner: e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new AcmeException($"the answer from the ACME server at {url?.GetLeftPart(UriPartial.Authority)} broke off: {e.Message}",
                "connection", null, isTransient: true, inner: e);
        }
    }

    internal static string? Short(string? type) => AcmeResponseReader.Short(type);

    [LoggerMessage(AcmeEventIds.Dropped, LogLevel.Debug, "the connection to {Url} dropped ({Reason}); request made again, retry {Attempt}")]
    private static partial void LogDropped(ILogger logger, Uri url, int attempt, string reason);

    [LoggerMessage(AcmeEventIds.BadNonce, LogLevel.Debug, "badNonce from {Url}; retry {Attempt} with the nonce of the error")]
    private static partial void LogBadNonce(ILogger logger, Uri url, int attempt);
}
