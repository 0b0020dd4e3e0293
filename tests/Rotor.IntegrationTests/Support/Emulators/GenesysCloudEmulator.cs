using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Rotor.IntegrationTests.Support.Emulators;

/// <summary>
/// The parts of Genesys Cloud that Rotor's genesysCloud target uses, login and API host in one
/// Kestrel server on 127.0.0.1 (port 0, HTTP as the AudioCodes emulator). Each behaviour and its
/// source (the official Genesys Cloud Platform API client SDKs, MyPureCloud/platform-client-sdk-*,
/// and their generated API pages):
/// <list type="bullet">
/// <item><c>POST /oauth/token</c>, HTTP Basic client_id:client_secret, form
/// <c>grant_type=client_credentials</c> → <c>{"access_token", "token_type": "bearer", "expires_in"}</c>
/// (the SDKs' client-credentials login against <c>https://login.{region}/oauth/token</c>, model
/// AuthTokenInfo). Wrong credentials → 401 <c>{"error": "invalid_client", "description"}</c>; another
/// grant type → 400 <c>{"error": "unsupported_grant_type"}</c> (OAuth 2.0, RFC 6749 section 5.2).</item>
/// <item>Every <c>/api/v2</c> call carries <c>Authorization: Bearer</c>; a missing, unknown or revoked
/// token → 401 (the SDKs' ApiClient; the SDKs re-login on 401). Error bodies everywhere follow the
/// SDK model ErrorBody: <c>{"message", "code", "status", "messageParams", "contextId", "details", "errors"}</c>.</item>
/// <item><c>GET /api/v2/telephony/providers/edges/certificateauthorities</c> → CertificateAuthorityEntityListing
/// <c>{"entities", "pageSize", "pageNumber", "total", "pageCount", ...}</c>; <c>POST</c> the same path
/// with a DomainCertificateAuthority (<c>name</c>, <c>certificate</c> PEM, <c>type</c> REMOTE,
/// <c>services</c> [SIP]) → the created entity with <c>id</c>, <c>state</c>, <c>selfUri</c>; a certificate that
/// is not PEM, a missing name, or type MANAGED (read-only, "Managed certificate authorities are
/// generated and maintained by Interactive Intelligence") → 400; <c>DELETE .../{certificateId}</c> → 204,
/// 404 when unknown (TelephonyProvidersEdgeApi: getTelephonyProvidersEdgesCertificateauthorities,
/// postTelephonyProvidersEdgesCertificateauthorities, deleteTelephonyProvidersEdgesCertificateauthority;
/// permission telephony:plugin:all; model DomainCertificateAuthority).</item>
/// <item><c>GET /api/v2/telephony/providers/edges/trunks/{trunkId}</c> → Trunk with <c>inService</c>
/// ("True if this trunk is in-service") and <c>connectedStatus</c> (TrunkConnectedStatus:
/// <c>connected</c>, <c>connectedStateTime</c>); 404 when unknown (getTelephonyProvidersEdgesTrunk; model Trunk).</item>
/// <item>429 with <c>Retry-After</c> in seconds, and 502/503/504, are the answers the SDKs retry
/// (MyPureCloud/platform-client-sdk-dotnet, build/src/PureCloudPlatform.Client.V2/Client/ApiClient.cs,
/// class Retry: statusCodes 429, 502, 503, 504; Retry-After honoured, retryAfterDefaultMs 3000 without
/// it; 5xx waits 3^n s; no retry when one Retry-After passes defaultMaxRetry, 180000 ms). Tests set
/// them with <see cref="RateLimitNext"/> and <see cref="FailNext"/>.</item>
/// </list>
/// Error texts: the fields of an error body are the SDK model's (ErrorBody,
/// build/src/PureCloudPlatform.Client.V2/Model/ErrorBody.cs in the same repository); Genesys publishes
/// no catalogue of <c>message</c>/<c>code</c> values to check against, so the values are the emulator's
/// own, kept in the constants below, and Rotor only quotes whatever <c>message</c> and <c>code</c> say.
/// Test controls (not Genesys behaviour): <see cref="RevokeTokens"/>, <see cref="PageSizeCap"/>,
/// <see cref="SetTrunk"/>, <see cref="AddForeign"/>, and the <see cref="Journal"/> of changes.
/// </summary>
public sealed class GenesysCloudEmulator : IAsyncDisposable
{
    public const string CaPath = "/api/v2/telephony/providers/edges/certificateauthorities";

    // The emulator's own error texts (see the summary): what tests look for in Rotor's messages.
    public const string BadPemCode = "invalid.certificate";
    public const string BadPemMessage = "The certificate is not a valid X509 PEM encoded certificate";
    public const string RateLimitedMessage = "Rate limit exceeded the maximum. [600] requests for [60] seconds";
    public const string UnavailableCode = "service.unavailable";
    public const string UnavailableMessage = "The service is currently unavailable";
    public const string InvalidClientDescription = "client not found";

    private readonly WebApplication _app;
    private readonly string _clientId;
    private readonly string _clientSecret;
    private readonly object _gate = new();
    private readonly List<Authority> _authorities = [];
    private readonly HashSet<string> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Name, bool Connected, bool InService)> _trunks = new(StringComparer.Ordinal);
    private readonly List<string> _requests = [];
    private readonly List<(DateTimeOffset At, string Change)> _journal = [];
    private readonly List<(int Status, int? RetryAfter, string? Method)> _injected = [];

    public sealed record Authority(string Id, string Name, string Description, string Certificate, string Type, IReadOnlyList<string> Services);

    private GenesysCloudEmulator(WebApplication app, string clientId, string clientSecret)
    {
        _app = app;
        _clientId = clientId;
        _clientSecret = clientSecret;
    }

    public static async Task<GenesysCloudEmulator> StartAsync(string clientId, string clientSecret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var emulator = new GenesysCloudEmulator(app, clientId, clientSecret);
        app.Run(emulator.HandleAsync);
        await app.StartAsync();
        return emulator;
    }

    public string Url => _app.Urls.First().TrimEnd('/');

    /// <summary>Method, path and status of every request, in order.</summary>
    public IReadOnlyList<string> Requests { get { lock (_gate) return [.. _requests]; } }

    /// <summary>Every change of the trust store, with the wall-clock time it happened: "added {sha256}" / "deleted {sha256}".</summary>
    public IReadOnlyList<(DateTimeOffset At, string Change)> Journal { get { lock (_gate) return [.. _journal]; } }

    /// <summary>Called (under no lock) with each change as it happens, before the answer goes out.</summary>
    public Action<string>? OnChange { get; set; }

    /// <summary>Largest page the listing answers, whatever pageSize asks (to make paging visible).</summary>
    public int PageSizeCap { get; set; } = 100;

    public IReadOnlyList<Authority> Authorities { get { lock (_gate) return [.. _authorities]; } }

    public bool Trusts(X509Certificate2 ca) => Authorities.Any(a => Sha256(a.Certificate) == Sha(ca));

    /// <summary>Every token issued so far stops working (as when an admin revokes the client's sessions).</summary>
    public void RevokeTokens() { lock (_gate) _tokens.Clear(); }

    /// <summary>The next <paramref name="count"/> API calls answer 429 with Retry-After <paramref name="retryAfterSeconds"/> (none when null).</summary>
    public void RateLimitNext(int count, int? retryAfterSeconds) { lock (_gate) for (var i = 0; i < count; i++) _injected.Add((429, retryAfterSeconds, null)); }

    /// <summary>The next <paramref name="count"/> API calls (with <paramref name="method"/> only, when given) answer <paramref name="status"/>.</summary>
    public void FailNext(int count, int status, string? method = null) { lock (_gate) for (var i = 0; i < count; i++) _injected.Add((status, null, method)); }

    public void SetTrunk(string id, string name, bool connected, bool inService) { lock (_gate) _trunks[id] = (name, connected, inService); }

    /// <summary>A CA an administrator added by hand (not named by Rotor).</summary>
    public void AddForeign(string name, X509Certificate2 ca)
    {
        lock (_gate) _authorities.Add(new Authority(Guid.NewGuid().ToString(), name, "", ca.ExportCertificatePem() + "\n", "REMOTE", ["SIP"]));
    }

    internal static string Sha(X509Certificate2 c) => Convert.ToHexString(SHA256.HashData(c.RawData));

    private static string? Sha256(string pem)
    {
        try
        {
            return Sha(X509Certificate2.CreateFromPem(pem));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private async Task HandleAsync(HttpContext http)
    {
        var (status, body, retryAfter) = await AnswerAsync(http);
        lock (_gate) _requests.Add($"{http.Request.Method} {http.Request.Path} {status}");
        http.Response.StatusCode = status;
        if (retryAfter is { } seconds) http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (status == 401) http.Response.Headers.WWWAuthenticate = "Bearer";
        if (body is not null)
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(body.ToJsonString());
        }
    }

    /// <summary>
    /// The SDK model ErrorBody: message, code, status, messageParams, contextId, details, errors
    /// (platform-client-sdk-dotnet, Model/ErrorBody.cs; the model also has entityId, entityName and
    /// messageWithParams, all optional, which the emulator leaves out).
    /// </summary>
    private static (int, JsonNode?, int?) Error(int status, string code, string message, int? retryAfter = null) =>
        (status, new JsonObject
        {
            ["message"] = message,
            ["code"] = code,
            ["status"] = status,
            ["messageParams"] = new JsonObject(),
            ["contextId"] = Guid.NewGuid().ToString(),
            ["details"] = new JsonArray(),
            ["errors"] = new JsonArray(),
        }, retryAfter);

    private async Task<(int Status, JsonNode? Body, int? RetryAfter)> AnswerAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        if (path == "/oauth/token" && HttpMethods.IsPost(http.Request.Method)) return await TokenAsync(http);
        if (!path.StartsWith("/api/v2/", StringComparison.Ordinal)) return Error(404, "not.found", "Resource not found");
        var header = http.Request.Headers.Authorization.ToString();
        lock (_gate)
        {
            if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || !_tokens.Contains(header[7..]))
            {
                return Error(401, "bad.credentials", "Invalid login credentials.");
            }
            var next = _injected.FindIndex(i => i.Method is null || i.Method == http.Request.Method);
            if (next >= 0)
            {
                var (status, after, _) = _injected[next];
                _injected.RemoveAt(next);
                return status switch
                {
                    429 => Error(429, "too.many.requests", RateLimitedMessage, after),
                    400 => Error(400, BadPemCode, BadPemMessage),
                    _ => Error(status, UnavailableCode, UnavailableMessage),
                };
            }
        }
        if (path == CaPath && HttpMethods.IsGet(http.Request.Method)) return List(http.Request);
        if (path == CaPath && HttpMethods.IsPost(http.Request.Method)) return await CreateAsync(http);
        if (path.StartsWith(CaPath + "/", StringComparison.Ordinal) && HttpMethods.IsDelete(http.Request.Method)) return Delete(path[(CaPath.Length + 1)..]);
        const string trunks = "/api/v2/telephony/providers/edges/trunks/";
        if (path.StartsWith(trunks, StringComparison.Ordinal) && HttpMethods.IsGet(http.Request.Method)) return Trunk(path[trunks.Length..]);
        return Error(404, "not.found", "Resource not found");
    }

    private async Task<(int, JsonNode?, int?)> TokenAsync(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        string? credentials = null;
        try
        {
            if (header.StartsWith("Basic ", StringComparison.Ordinal)) credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..]));
        }
        catch (FormatException)
        {
        }
        if (credentials != $"{Uri.EscapeDataString(_clientId)}:{Uri.EscapeDataString(_clientSecret)}")
        {
            // RFC 6749 section 5.2: error "invalid_client" (401 when the client authenticated with Basic).
            return (401, new JsonObject { ["error"] = "invalid_client", ["description"] = InvalidClientDescription, ["error_description"] = InvalidClientDescription }, null);
        }
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync() : null;
        if (form?["grant_type"].ToString() != "client_credentials")
        {
            // RFC 6749 section 5.2: error "unsupported_grant_type", 400.
            return (400, new JsonObject { ["error"] = "unsupported_grant_type", ["description"] = "grant type not supported" }, null);
        }
        // SDK model AuthTokenInfo: access_token, token_type, expires_in (RFC 6749 section 5.1).
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        lock (_gate) _tokens.Add(token);
        return (200, new JsonObject { ["access_token"] = token, ["token_type"] = "bearer", ["expires_in"] = 86399 }, null);
    }

    /// <summary>A DomainCertificateAuthority as the API answers it (SDK model DomainCertificateAuthority: id, name, description, state, certificate, type, services, selfUri).</summary>
    private static JsonObject Entity(Authority a) => new()
    {
        ["id"] = a.Id,
        ["name"] = a.Name,
        ["description"] = a.Description,
        ["state"] = "active",
        ["certificate"] = a.Certificate,
        ["type"] = a.Type,
        ["services"] = new JsonArray([.. a.Services.Select(s => (JsonNode)JsonValue.Create(s))]),
        ["selfUri"] = $"{CaPath}/{a.Id}",
    };

    /// <summary>
    /// getTelephonyProvidersEdgesCertificateauthorities: one page of a CertificateAuthorityEntityListing
    /// (SDK model: entities, pageSize, pageNumber, total, pageCount, firstUri, lastUri, selfUri); the
    /// SDK's pageSize and pageNumber query parameters, 25 and 1 by default.
    /// </summary>
    private (int, JsonNode?, int?) List(HttpRequest request)
    {
        int Query(string key, int fallback) => int.TryParse(request.Query[key].ToString(), out var v) && v > 0 ? v : fallback;
        var size = Math.Min(Query("pageSize", 25), PageSizeCap);
        var number = Query("pageNumber", 1);
        lock (_gate)
        {
            var count = Math.Max(1, (_authorities.Count + size - 1) / size);
            var page = _authorities.Skip((number - 1) * size).Take(size).Select(a => (JsonNode)Entity(a)).ToArray();
            return (200, new JsonObject
            {
                ["entities"] = new JsonArray(page),
                ["pageSize"] = size,
                ["pageNumber"] = number,
                ["total"] = _authorities.Count,
                ["pageCount"] = count,
                ["firstUri"] = $"{CaPath}?pageSize={size}&pageNumber=1",
                ["lastUri"] = $"{CaPath}?pageSize={size}&pageNumber={count}",
                ["selfUri"] = $"{CaPath}?pageSize={size}&pageNumber={number}",
            }, null);
        }
    }

    /// <summary>
    /// postTelephonyProvidersEdgesCertificateauthorities with a DomainCertificateAuthority: the created
    /// entity; 400 for a body that is not JSON, a missing name, a MANAGED type (the model's type
    /// description: "Managed certificate authorities are generated and maintained by Interactive
    /// Intelligence"), or a certificate that is not PEM.
    /// </summary>
    private async Task<(int, JsonNode?, int?)> CreateAsync(HttpContext http)
    {
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(http.Request.Body);
        }
        catch (JsonException)
        {
            return Error(400, "bad.request", "The request could not be understood by the server due to malformed syntax.");
        }
        string? Text(string key) => body is JsonObject o && o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var name = Text("name");
        var pem = Text("certificate");
        var type = Text("type");
        var services = body is JsonObject ob && ob["services"] is JsonArray arr ? arr.Select(n => n?.GetValue<string>() ?? "").ToList() : [];
        if (string.IsNullOrEmpty(name)) return Error(400, "required.field.missing", "The name field is required");
        if (type == "MANAGED") return Error(400, "bad.request", "Managed certificate authorities are read-only");
        if (type != "REMOTE") return Error(400, "bad.request", $"Invalid certificate authority type: {type}");
        if (pem is null || !pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) || Sha256(pem) is null)
        {
            return Error(400, BadPemCode, BadPemMessage);
        }
        var authority = new Authority(Guid.NewGuid().ToString(), name, Text("description") ?? "", pem, type, services);
        lock (_gate)
        {
            _authorities.Add(authority);
            _journal.Add((TimeProvider.System.GetUtcNow(), $"added {Sha256(pem)}"));
        }
        OnChange?.Invoke($"added {Sha256(pem)}");
        return (200, Entity(authority), null);
    }

    /// <summary>deleteTelephonyProvidersEdgesCertificateauthority: 204 (the SDK method returns nothing), 404 when unknown.</summary>
    private (int, JsonNode?, int?) Delete(string id)
    {
        Authority? gone;
        lock (_gate)
        {
            gone = _authorities.FirstOrDefault(a => a.Id == id);
            if (gone is null) return Error(404, "not.found", $"Certificate authority {id} not found");
            _authorities.Remove(gone);
            _journal.Add((TimeProvider.System.GetUtcNow(), $"deleted {Sha256(gone.Certificate)}"));
        }
        OnChange?.Invoke($"deleted {Sha256(gone.Certificate)}");
        return (204, null, null);
    }

    /// <summary>getTelephonyProvidersEdgesTrunk: a Trunk with inService and connectedStatus (SDK models Trunk, TrunkConnectedStatus); 404 when unknown.</summary>
    private (int, JsonNode?, int?) Trunk(string id)
    {
        lock (_gate)
        {
            if (!_trunks.TryGetValue(id, out var t)) return Error(404, "not.found", $"Trunk {id} not found");
            return (200, new JsonObject
            {
                ["id"] = id,
                ["name"] = t.Name,
                ["state"] = "active",
                ["trunkType"] = "EXTERNAL",
                ["inService"] = t.InService,
                ["enabled"] = true,
                ["connectedStatus"] = new JsonObject { ["connected"] = t.Connected, ["connectedStateTime"] = TimeProvider.System.GetUtcNow().ToString("O") },
                ["selfUri"] = $"/api/v2/telephony/providers/edges/trunks/{id}",
            }, null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
