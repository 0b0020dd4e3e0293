using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rotor.Acme.Jws;

namespace Rotor.IntegrationTests.Acme.Proxy;

/// <summary>A suggested renewal window (RFC 9773 4.2).</summary>
public sealed record AriWindow(DateTimeOffset Start, DateTimeOffset End);

/// <summary>A newOrder the proxy saw: the fields Pebble 2.4 ignores, and whether the proxy refused it.</summary>
public sealed record NewOrderSeen(string? Replaces, string? Profile, bool Refused, string Payload);

/// <summary>The ACME additions of the proxy; each is off until a test sets it.</summary>
public sealed partial class AcmeProxy
{
    public const string RenewalInfoPath = "/renewal-info";

    private readonly ConcurrentDictionary<string, AriWindow> _windows = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _renewalInfoRequests = new();
    private readonly ConcurrentQueue<NewOrderSeen> _newOrders = new();
    private string _newOrderPath = "";
    private Uri? _newNonce;
    private int _refusals;

    /// <summary>
    /// The window served for every certificate without one of its own. Not null: the directory
    /// offers <c>renewalInfo</c> (read by a client when it first loads the directory).
    /// </summary>
    public AriWindow? RenewalWindow { get; set; }

    /// <summary>Retry-After of renewalInfo answers (RFC 9773 4.3); null sends none.</summary>
    public TimeSpan? RenewalInfoRetryAfter { get; set; }

    /// <summary>Profiles offered in the directory's <c>meta.profiles</c>; null offers none.</summary>
    public IReadOnlyDictionary<string, string>? Profiles { get; set; }

    /// <summary>Retry-After of the rateLimited refusals.</summary>
    public TimeSpan RateLimitRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Every certID asked for at renewalInfo, in order.</summary>
    public IReadOnlyList<string> RenewalInfoRequests => [.. _renewalInfoRequests];

    /// <summary>Every newOrder POST, in order, refused or forwarded.</summary>
    public IReadOnlyList<NewOrderSeen> NewOrders => [.. _newOrders];

    /// <summary>Serves <paramref name="window"/> for one certificate (its ARI certID) from now on.</summary>
    public void SetRenewalWindow(string certId, AriWindow window) => _windows[certId] = window;

    /// <summary>The next <paramref name="count"/> newOrder POSTs are answered 429 rateLimited, not forwarded.</summary>
    public void RefuseNewOrders(int count) => Volatile.Write(ref _refusals, count);

    /// <summary>
    /// The next <paramref name="count"/> POSTs to an order URL (polls) get no answer: the proxy
    /// closes the connection, as a CA behind a flaky balancer may.
    /// </summary>
    public void DropOrderPolls(int count) => Volatile.Write(ref _pollDrops, count);

    /// <summary>Order polls dropped so far.</summary>
    public int DroppedPolls => Volatile.Read(ref _droppedPolls);

    private int _pollDrops;
    private int _droppedPolls;

    /// <summary>Whether to drop this request unanswered (see <see cref="DropOrderPolls"/>).</summary>
    private bool TakePollDrop(ProxyRequest request)
    {
        if (request.Method != "POST" || !request.Path.StartsWith("/my-order/", StringComparison.Ordinal)) return false;
        while (true)
        {
            var left = Volatile.Read(ref _pollDrops);
            if (left <= 0) return false;
            if (Interlocked.CompareExchange(ref _pollDrops, left - 1, left) == left)
            {
                Interlocked.Increment(ref _droppedPolls);
                return true;
            }
        }
    }

    private async Task<ProxyResponse> HandleAsync(ProxyRequest request, CancellationToken cancellationToken)
    {
        try
        {
            if (request.Method == "GET" && request.Path.StartsWith(RenewalInfoPath + "/", StringComparison.Ordinal))
            {
                return RenewalInfo(Uri.UnescapeDataString(request.Path[(RenewalInfoPath.Length + 1)..]));
            }
            NewOrderSeen? order = null;
            if (request.Method == "POST" && request.Path == _newOrderPath)
            {
                var refused = TakeRefusal();
                order = ReadNewOrder(request.Body, refused);
                if (refused)
                {
                    _newOrders.Enqueue(order);
                    return await RateLimitedAsync(cancellationToken);
                }
            }
            var response = await ForwardAsync(request, cancellationToken);
            // Only orders Pebble created count: a request it refused with badNonce (5 % of them)
            // comes again with a fresh nonce and would otherwise be seen twice.
            if (order is not null && response.Status == 201) _newOrders.Enqueue(order);
            return request.Method == "GET" && request.Path == _upstreamDirectory.AbsolutePath && response.Status == 200
                ? RewriteDirectory(response)
                : response;
        }
        catch (HttpRequestException e)
        {
            return Problem(502, "serverInternal", "the test proxy cannot reach Pebble: " + e.Message);
        }
    }

    private bool TakeRefusal()
    {
        while (true)
        {
            var left = Volatile.Read(ref _refusals);
            if (left <= 0) return false;
            if (Interlocked.CompareExchange(ref _refusals, left - 1, left) == left) return true;
        }
    }

    /// <summary>The JWS payload (base64url JSON), read without checking the signature: Pebble does that.</summary>
    private static NewOrderSeen ReadNewOrder(byte[] body, bool refused)
    {
        try
        {
            var jws = JsonNode.Parse(body)!;
            var payload = Encoding.UTF8.GetString(Base64Url.Decode(jws["payload"]!.GetValue<string>()));
            var order = JsonNode.Parse(payload) as JsonObject;
            return new NewOrderSeen(order?["replaces"]?.GetValue<string>(), order?["profile"]?.GetValue<string>(), refused, payload);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NullReferenceException)
        {
            return new NewOrderSeen(null, null, refused, "unreadable: " + e.Message);
        }
    }

    private ProxyResponse RenewalInfo(string certId)
    {
        _renewalInfoRequests.Enqueue(certId);
        var window = _windows.TryGetValue(certId, out var own) ? own : RenewalWindow;
        if (window is null) return Problem(404, "malformed", "the test proxy has no renewal information for " + certId);
        static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var json = new JsonObject
        {
            ["suggestedWindow"] = new JsonObject { ["start"] = Time(window.Start), ["end"] = Time(window.End) },
            ["explanationURL"] = $"https://{Authority}/docs/ari",
        };
        KeyValuePair<string, string>[] retry = RenewalInfoRetryAfter is { } ra ? [RetryAfter(ra)] : [];
        return ProxyResponse.Json(200, "application/json", json.ToJsonString(), retry);
    }

    /// <summary>A 429 rateLimited problem with Retry-After and a fresh nonce from Pebble (RFC 8555 6.5: every response carries one).</summary>
    private async Task<ProxyResponse> RateLimitedAsync(CancellationToken cancellationToken)
    {
        using var head = new HttpRequestMessage(HttpMethod.Head, _newNonce);
        using var nonce = await _upstream.SendAsync(head, cancellationToken);
        return Problem(429, "rateLimited", "too many new orders (test proxy)",
            RetryAfter(RateLimitRetryAfter),
            new("Replay-Nonce", nonce.Headers.GetValues("Replay-Nonce").First()),
            new("Link", $"<{Directory.AbsoluteUri}>;rel=\"index\""));
    }

    private ProxyResponse RewriteDirectory(ProxyResponse response)
    {
        var json = (JsonObject)JsonNode.Parse(response.Body)!;
        if (RenewalWindow is not null || !_windows.IsEmpty)
        {
            json["renewalInfo"] = $"https://{Authority}{RenewalInfoPath}";
        }
        if (Profiles is { } profiles)
        {
            if (json["meta"] is not JsonObject meta)
            {
                json["meta"] = meta = [];
            }
            meta["profiles"] = new JsonObject(profiles.Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value)));
        }
        return response with { Body = Encoding.UTF8.GetBytes(json.ToJsonString()) };
    }

    private static KeyValuePair<string, string> RetryAfter(TimeSpan wait) =>
        new("Retry-After", ((long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture));

    private static ProxyResponse Problem(int status, string type, string detail, params KeyValuePair<string, string>[] headers)
    {
        var json = new JsonObject { ["type"] = "urn:ietf:params:acme:error:" + type, ["detail"] = detail, ["status"] = status };
        return ProxyResponse.Json(status, "application/problem+json", json.ToJsonString(), headers);
    }
}
