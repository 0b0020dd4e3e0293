using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Rotor.Core.Abstractions;
using Rotor.Keys;

namespace Rotor.Targets;

/// <summary>
/// The HTTP side, as the Genesys Cloud SDKs do it: an OAuth client-credentials token from the
/// login host (HTTP Basic with the client id and secret, <c>grant_type=client_credentials</c>),
/// kept until shortly before <c>expires_in</c>; a 401 from the API drops it and asks once for a
/// fresh one; 429 waits Retry-After (3 s when absent) for at most 180 s in all; 502/503/504 back
/// off 3, 9, 27 s; anything else fails with a message naming the answer (its <c>message</c> and
/// <c>code</c>). Neither the client secret nor the token ever reaches a message or a log line.
/// </summary>
public sealed partial class GenesysCloudTarget
{
    internal const int MaxAnswerBytes = 1024 * 1024;

    /// <summary>
    /// What the SDKs wait after a 429 without Retry-After: retryAfterDefaultMs 3000
    /// (github.com/MyPureCloud/platform-client-sdk-dotnet, build/src/PureCloudPlatform.Client.V2/Client/ApiClient.cs,
    /// RetryConfiguration).
    /// </summary>
    internal static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Longest Rotor waits out 429s for one request before the step gives up for this pass. The
    /// .NET SDK stops retrying when a Retry-After passes defaultMaxRetry, 180000 ms ("For DotNet SDK
    /// this retry Max time is set to 3 Minutes": ApiClient.cs above, class Retry); Rotor bounds the
    /// sum of its waits by the same 180 s, which also refuses any single longer Retry-After.
    /// </summary>
    internal static readonly TimeSpan MaxRateLimitWait = TimeSpan.FromSeconds(180);

    /// <summary>Waits after a 502/503/504, one per retry: the SDKs' 3^n second buckets (ApiClient.cs above, Retry.getWaitTimeExp; statusCodes 429, 502, 503, 504).</summary>
    internal static readonly TimeSpan[] ServerErrorBackoff = [TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(27)];

    /// <summary>A token is renewed this long before it expires, so none runs out mid-request.</summary>
    private static readonly TimeSpan TokenMargin = TimeSpan.FromSeconds(60);

    private string? _token;
    private DateTimeOffset _tokenExpires;
    private string? _secret;

    private sealed record Answer(int Status, byte[] Body, TimeSpan? RetryAfter);

    private async Task<string> TokenAsync(bool fresh, CancellationToken cancellationToken)
    {
        if (!fresh && _token is not null && time.GetUtcNow() < _tokenExpires - TokenMargin) return _token;
        _token = null;
        var id = (await SecretResolver.ResolveAsync(spec.ClientIdRef, manifestDirectory, cancellationToken)).Trim();
        var secret = (await SecretResolver.ResolveAsync(spec.ClientSecretRef, manifestDirectory, cancellationToken)).Trim();
        _secret = secret;
        if (id.Length == 0 || secret.Length == 0)
        {
            throw Failure(RotorReasons.TargetMisconfigured, false, $"clientIdRef {spec.ClientIdRef} and clientSecretRef {spec.ClientSecretRef} must not be empty");
        }
        var answer = await SendOnceAsync(HttpMethod.Post, spec.LoginBase() + "/oauth/token", "POST /oauth/token",
            () => new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}"))),
            cancellationToken);
        if (answer.Status is not (>= 200 and < 300))
        {
            var said = $"POST {spec.LoginBase()}/oauth/token: Genesys Cloud answered {answer.Status}: {Describe(answer.Body)}";
            GenesysCloudLog.TokenRefused(logger, name, answer.Status, Describe(answer.Body));
            throw answer.Status is 400 or 401 or 403
                ? Failure(RotorReasons.GenesysAuthFailed, false, $"{said} (the client credentials in clientIdRef {spec.ClientIdRef} / clientSecretRef {spec.ClientSecretRef} were refused)")
                : answer.Status is 429 or >= 500
                    ? Failure(RotorReasons.GenesysUnavailable, true, said)
                    : Failure(RotorReasons.GenesysAuthFailed, false, said);
        }
        try
        {
            using var json = JsonDocument.Parse(answer.Body, new JsonDocumentOptions { MaxDepth = 8 });
            var token = json.RootElement.TryGetProperty("access_token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var expires = json.RootElement.TryGetProperty("expires_in", out var e) && e.TryGetInt64(out var s) ? s : 0;
            if (string.IsNullOrEmpty(token)) throw new JsonException();
            _token = token;
            _tokenExpires = time.GetUtcNow() + TimeSpan.FromSeconds(Math.Clamp(expires, 0, 30 * 86400));
            return token;
        }
        catch (JsonException)
        {
            throw Failure(RotorReasons.GenesysAuthFailed, true, $"POST {spec.LoginBase()}/oauth/token answered no access_token");
        }
    }

    private Task<Answer> GetAsync(string path, CancellationToken cancellationToken) => ApiAsync(HttpMethod.Get, path, null, cancellationToken);

    private Task<Answer> DeleteAsync(string path, CancellationToken cancellationToken) => ApiAsync(HttpMethod.Delete, path, null, cancellationToken);

    private Task<Answer> PostJsonAsync(string path, byte[] json, CancellationToken cancellationToken) => ApiAsync(HttpMethod.Post, path, json, cancellationToken);

    /// <summary>One API call with the retries the class summary lists; a 2xx or a 404 is returned, every other answer throws.</summary>
    private async Task<Answer> ApiAsync(HttpMethod method, string path, byte[]? json, CancellationToken cancellationToken)
    {
        var token = await TokenAsync(fresh: false, cancellationToken);
        var refreshed = false;
        var rateLimitedFor = TimeSpan.Zero;
        var serverErrors = 0;
        var what = $"{method} {path.Split('?')[0]}";
        while (true)
        {
            var answer = await SendOnceAsync(method, spec.ApiBase() + path, what, () =>
            {
                if (json is null) return null;
                var body = new ByteArrayContent(json);
                body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return body;
            }, new AuthenticationHeaderValue("Bearer", token), cancellationToken);
            var retryAfter = answer.RetryAfter;
            var status = answer.Status;
            if (status is >= 200 and < 300 || status == 404) return answer;
            var described = Describe(answer.Body);
            if (status == 401 && !refreshed)
            {
                // The token expired or was revoked early: one fresh token, one more try.
                refreshed = true;
                GenesysCloudLog.Retry(logger, name, what, status, described, 0);
                token = await TokenAsync(fresh: true, cancellationToken);
                continue;
            }
            if (status == 429)
            {
                var wait = retryAfter ?? DefaultRetryAfter;
                if (rateLimitedFor + wait > MaxRateLimitWait)
                {
                    throw Failure(RotorReasons.GenesysRateLimited, true,
                        $"{what}: Genesys Cloud answered 429: {described} (waited {rateLimitedFor.TotalSeconds:0} s; Retry-After {wait.TotalSeconds:0} s would pass the {MaxRateLimitWait.TotalSeconds:0} s limit; tried again later)",
                        retryAfter: wait);
                }
                rateLimitedFor += wait;
                GenesysCloudLog.Retry(logger, name, what, status, described, (long)wait.TotalMilliseconds);
                await Task.Delay(wait, time, cancellationToken);
                continue;
            }
            if (status is 502 or 503 or 504 && serverErrors < ServerErrorBackoff.Length)
            {
                var wait = ServerErrorBackoff[serverErrors++];
                GenesysCloudLog.Retry(logger, name, what, status, described, (long)wait.TotalMilliseconds);
                await Task.Delay(wait, time, cancellationToken);
                continue;
            }
            var said = $"{what}: Genesys Cloud answered {status}" + (described.Length > 0 ? $": {described}" : "");
            throw status switch
            {
                401 => Failure(RotorReasons.GenesysAuthFailed, false, $"{said} (a fresh token was refused too)"),
                403 => Failure(RotorReasons.GenesysAuthFailed, false, $"{said} (the OAuth client's role lacks telephony:plugin:all)"),
                >= 500 => Failure(RotorReasons.GenesysUnavailable, true, serverErrors > 0 ? $"{said} (after {serverErrors} retries)" : said),
                _ => Failure(RotorReasons.GenesysRejected, false, said),
            };
        }
    }

    private async Task<Answer> SendOnceAsync(HttpMethod method, string url, string what, Func<HttpContent?> content, AuthenticationHeaderValue authorization,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(url)) { Content = content() };
        request.Headers.Authorization = authorization;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(spec.Timeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (HttpRequestException e)
        {
            throw Failure(RotorReasons.GenesysUnavailable, true, $"{what}: no answer from {new Uri(url).GetLeftPart(UriPartial.Authority)} ({e.HttpRequestError})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure(RotorReasons.GenesysUnavailable, true, $"{what}: no answer within {spec.Timeout.TotalSeconds:0} s");
        }
        using (response)
        {
            TimeSpan? retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } d } => d,
                { Date: { } at } => at - time.GetUtcNow() is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero,
                _ => null,
            };
            return new Answer((int)response.StatusCode, await IO.HttpAnswer.ReadBoundedAsync(response, MaxAnswerBytes, timeout.Token), retryAfter);
        }
    }
}
