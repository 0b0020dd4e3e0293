using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Rotor.Acme.Challenges.Dns01;

/// <summary>Where <see cref="WebhookProvider"/> posts, and with which credentials.</summary>
public sealed class WebhookProviderOptions
{
    /// <summary>The base URL, like lego's <c>HTTPREQ_ENDPOINT</c>; <c>/present</c> and <c>/cleanup</c> are appended to its path.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary><see cref="Dns01HookMode.Raw"/> is lego's <c>HTTPREQ_MODE=RAW</c>.</summary>
    public Dns01HookMode Mode { get; init; } = Dns01HookMode.Default;

    /// <summary>Basic authentication user (lego's <c>HTTPREQ_USERNAME</c>); used with <see cref="Password"/>.</summary>
    public string? Username { get; init; }

    /// <summary>Basic authentication password (lego's <c>HTTPREQ_PASSWORD</c>); never shown.</summary>
    public string? Password { get; init; }

    /// <summary>Sent as <c>Authorization: Bearer ...</c> instead of basic authentication; never shown.</summary>
    public string? BearerToken { get; init; }

    /// <summary>How long one request may take. Default 30 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Never shows credentials, not even user information inside the URL.</summary>
    public override string ToString() => $"webhook {WebhookProvider.Safe(Endpoint)}";
}

/// <summary>
/// lego's <c>httpreq</c> convention: <c>POST {endpoint}/present</c> and
/// <c>POST {endpoint}/cleanup</c> with JSON <c>{"fqdn": "_acme-challenge.example.com.", "value": "..."}</c>,
/// or in RAW mode <c>{"domain", "token", "keyAuth"}</c>. Any 2xx is success.
/// </summary>
public sealed class WebhookProvider : IDns01RawProvider
{
    /// <summary>One client for every instance (pooled connections, refreshed DNS); per-request timeouts come from the options.</summary>
    private static readonly HttpClient SharedClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    private const int BodyTailChars = 500;

    private readonly WebhookProviderOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    public WebhookProvider(WebhookProviderOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Endpoint.IsAbsoluteUri || options.Endpoint.Scheme is not ("http" or "https"))
        {
            throw Dns01Causes.Fail(Dns01Causes.Config, $"webhook: the endpoint {Safe(options.Endpoint)} is not an http(s) URL", transient: false);
        }
        if (options.BearerToken is not null && (options.Username is not null || options.Password is not null))
        {
            throw Dns01Causes.Fail(Dns01Causes.Config, "webhook: give either a bearer token or a user name and password, not both", transient: false);
        }
        _options = options;
        _http = httpClient ?? SharedClient;
        _time = timeProvider ?? TimeProvider.System;
    }

    public bool IsRaw => _options.Mode == Dns01HookMode.Raw;

    public Task AddTxtAsync(string recordName, string zone, string value, CancellationToken cancellationToken) =>
        PostAsync("present", new JsonObject { ["fqdn"] = DnsNames.Normalize(recordName), ["value"] = value }, DnsNames.Normalize(recordName), cancellationToken);

    public Task RemoveTxtAsync(string recordName, string zone, string value, CancellationToken cancellationToken) =>
        PostAsync("cleanup", new JsonObject { ["fqdn"] = DnsNames.Normalize(recordName), ["value"] = value }, DnsNames.Normalize(recordName), cancellationToken);

    public Task PresentRawAsync(string domain, string token, string keyAuthorization, CancellationToken cancellationToken) =>
        PostAsync("present", new JsonObject { ["domain"] = domain, ["token"] = token, ["keyAuth"] = keyAuthorization }, domain, cancellationToken);

    public Task CleanupRawAsync(string domain, string token, string keyAuthorization, CancellationToken cancellationToken) =>
        PostAsync("cleanup", new JsonObject { ["domain"] = domain, ["token"] = token, ["keyAuth"] = keyAuthorization }, domain, cancellationToken);

    private async Task PostAsync(string action, JsonObject body, string subject, CancellationToken cancellationToken)
    {
        var url = Append(_options.Endpoint, action);
        var shown = $"POST {Safe(url)} ({subject})";
        // A buffered body with Content-Length: small hook servers often cannot read a chunked one.
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (_options.BearerToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.BearerToken);
        }
        else if (_options.Username is not null || _options.Password is not null)
        {
            var pair = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.Username}:{_options.Password}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", pair);
        }

        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await _http.SendAsync(request, linked.Token);
            if (response.IsSuccessStatusCode) return;
            var text = await response.Content.ReadAsStringAsync(linked.Token);
            var status = (int)response.StatusCode;
            throw Dns01Causes.Fail(Dns01Causes.Webhook, $"webhook {shown} answered {status} {response.ReasonPhrase}{BodyTail(text)}",
                transient: status >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Dns01Causes.Fail(Dns01Causes.Webhook, $"webhook {shown} did not answer within {DnsNames.Seconds(_options.Timeout)}", transient: true);
        }
        catch (HttpRequestException e)
        {
            throw Dns01Causes.Fail(Dns01Causes.Webhook, $"webhook {shown} failed: {e.Message}", transient: true, e);
        }
    }

    /// <summary>The end of an error body, with any credential the server might echo blanked out.</summary>
    private string BodyTail(string body)
    {
        var text = body.Trim();
        foreach (var secret in new[] { _options.Password, _options.BearerToken })
        {
            if (!string.IsNullOrEmpty(secret)) text = text.Replace(secret, "***", StringComparison.Ordinal);
        }
        if (text.Length == 0) return "";
        return ": " + (text.Length > BodyTailChars ? "..." + text[^BodyTailChars..] : text);
    }

    /// <summary>lego's JoinPath: <c>https://h/api</c> + <c>present</c> → <c>https://h/api/present</c>.</summary>
    internal static Uri Append(Uri endpoint, string action)
    {
        var builder = new UriBuilder(endpoint);
        builder.Path = builder.Path.TrimEnd('/') + "/" + action;
        return builder.Uri;
    }

    /// <summary>The URL without user information, for messages.</summary>
    internal static string Safe(Uri uri)
    {
        if (!uri.IsAbsoluteUri || uri.UserInfo.Length == 0) return uri.ToString();
        var builder = new UriBuilder(uri) { UserName = "", Password = "" };
        return builder.Uri.ToString();
    }

    public override string ToString() => _options.ToString();
}
