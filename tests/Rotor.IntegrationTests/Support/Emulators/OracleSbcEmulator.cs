using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Rotor.IntegrationTests.Support.Emulators;

/// <summary>
/// An Oracle SBC's REST API v1.2 (releases 8.4 and 9.3), as far as TLS certificates go, on
/// 127.0.0.1 over HTTPS (Kestrel, port 0, a self-signed certificate the test trusts through the
/// target's caBundle). Every behaviour carries, at the code, the page it follows. Oracle's "REST API
/// for Session Border Controller" lives under
/// https://docs.oracle.com/en/industries/communications/session-border-controller/{release}/rest/
/// ({release} 8.3.0, 8.4.0, 9.0.0, 9.3.0: the pages cited below are named by that prefix, "SBC-REST
/// {release}", and the page's file name). Where no Oracle page that could be read gives a name,
/// the comment says so and names the public client that uses it; Rotor's target then depends on no
/// such name (it reads PEM blocks, and text under <c>messages</c>, wherever they are).
/// Configuration is kept three times, as on the SBC: edited, saved, running (what the SBC presents)
/// [SBC-REST 9.3.0 op-rest-version-configuration-configelements-get.html: "By default, the instance
/// data returned in a GET response is from the edited configuration"].
/// Test controls (not SBC behaviour): <see cref="OtherUserHoldsLock"/>, <see cref="FailNext"/>,
/// <see cref="FailNextAction"/>, <see cref="ExpireTokens"/>, <see cref="PollsBeforeDone"/>.
/// </summary>
public sealed partial class OracleSbcEmulator : IAsyncDisposable
{
    // SBC-REST 8.3.0 op-rest-version-auth-token-post.html: "the ten minutes an access token is valid".
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(10);

    // The texts of the documented answers, as the pages word them (what a test may look for).
    // SBC-REST 8.4.0 op-rest-version-configuration-certificates-import-put.html, 400/401/404/423 Response.
    public const string Malformed = "The request is malformed in some way or is missing required information and therefore cannot be processed.";
    public const string Unauthorized = "Unauthorized - Request lacks valid authentication credentials.";
    public const string UnknownInstance = "Unsupported version ID in URI or unknown instance is requested in the URL.";
    public const string LockedByOther = "Resource locked by another user";
    public const string LockNotHeld = "User does not have the lock";

    // SBC-REST 8.4.0 op-rest-version-configuration-certificates-generaterequest-put.html, 404 Response.
    public const string RecordNotFound = "Certificate specified with recordName key attribute is not found";

    // SBC-REST 9.0.0 op-rest-version-configuration-certificates-get.html, 404 Response.
    public const string CertificateNotFound = "Unsupported version ID in URI or certificate specified with recordName key attribute is not found or requested format is not supported.";

    // SBC-REST 8.4.0 status-codes.html: the name of 500 (the pages give no body text for 5xx).
    public const string ServerError = "Internal Server Error";
    private readonly WebApplication _app;
    private readonly string _user;
    private readonly string _password;
    private readonly object _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly List<string> _requests = [];
    private readonly Dictionary<string, int> _injected = new(StringComparer.Ordinal);
    private string? _lockOwner;
    private int _otherUserLockRequests;

    private OracleSbcEmulator(WebApplication app, string user, string password, string release, X509Certificate2 tls)
    {
        _app = app;
        _user = user;
        _password = password;
        Release = release;
        ManagementCertificate = tls;
    }

    /// <summary>
    /// An SBC of <paramref name="release"/> ("9.3" or "8.4") with certificate-records <c>sip-a</c>
    /// (a self-signed certificate and its key, as shipped) and <c>sip-b</c> (empty), and tls-profile
    /// <c>sip-tls</c> presenting <c>sip-a</c>.
    /// </summary>
    public static async Task<OracleSbcEmulator> StartAsync(string user, string password, string release = "9.3")
    {
        var tls = ManagementTlsCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // SBC-REST 8.4.0 enable-https.html: "only accepts requests over secure HTTPS connections".
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.UseHttps(tls)));
        var app = builder.Build();
        var emulator = new OracleSbcEmulator(app, user, password, release, tls);
        emulator.Seed();
        app.Run(emulator.HandleAsync);
        await app.StartAsync();
        return emulator;
    }

    /// <summary>The SBC's own management certificate (self-signed, for 127.0.0.1): what the test's caBundle holds.</summary>
    public X509Certificate2 ManagementCertificate { get; }

    public string Release { get; }

    public string Url => _app.Urls.First().TrimEnd('/');

    /// <summary>Method, path and status of every request, in order.</summary>
    public IReadOnlyList<string> Requests { get { lock (_gate) return [.. _requests]; } }

    /// <summary>Every token the SBC handed out: what must never reach a log or a message.</summary>
    public IReadOnlyList<string> TokensIssued { get { lock (_gate) return [.. _tokens.Keys]; } }

    /// <summary>Who holds the configuration lock: null when free, "other" for the other user, else a token.</summary>
    public string? LockHolder { get { lock (_gate) return _lockOwner; } }

    /// <summary>
    /// Another user takes the lock (when free) and keeps it for the next <paramref name="requests"/> lock
    /// requests of others, then releases it; <see cref="int.MaxValue"/> keeps it.
    /// </summary>
    public void OtherUserHoldsLock(int requests)
    {
        lock (_gate)
        {
            _lockOwner ??= "other";
            _otherUserLockRequests = requests;
        }
    }

    /// <summary>The next <paramref name="method"/> request whose path ends with <paramref name="pathSuffix"/> gets <paramref name="status"/>.</summary>
    public void FailNext(string method, string pathSuffix, int status) { lock (_gate) _injected[method + " " + pathSuffix] = status; }

    /// <summary>
    /// The next save, verify or activate named <paramref name="action"/> ends in the documented status
    /// <c>fail</c>, its <c>operationState/errorMessage</c> saying <paramref name="errorMessage"/>; the
    /// configuration it would have changed stays as it was.
    /// </summary>
    public void FailNextAction(string action, string errorMessage) { lock (_gate) _failAction = (action, errorMessage); }

    /// <summary>Every token expires now (as ten minutes later), and a lock tied to one goes with it.</summary>
    public void ExpireTokens()
    {
        lock (_gate)
        {
            foreach (var token in _tokens.Keys.ToList()) _tokens[token] = DateTimeOffset.MinValue;
            if (_lockOwner is not null && _tokens.ContainsKey(_lockOwner)) _lockOwner = null;
        }
    }

    /// <summary>How many polls answer "inProgress" (a documented status) before a save, verify or activate reports success.</summary>
    public int PollsBeforeDone { get; set; }

    private static X509Certificate2 ManagementTlsCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=sbc management 127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = TimeProvider.System.GetUtcNow();
        using var self = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        // Through PKCS#12 so the key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(self.Export(X509ContentType.Pkcs12), null);
    }

    private async Task HandleAsync(HttpContext http)
    {
        var (status, body) = await AnswerAsync(http);
        lock (_gate) _requests.Add($"{http.Request.Method} {http.Request.Path} {status}");
        http.Response.StatusCode = status;
        // RFC 9110 section 11.6.1: a 401 names its scheme; the SBC takes Basic at auth/token
        // (SBC-REST 8.4.0 quick-start.html, "Task 2: Get an Access Token").
        if (status == 401) http.Response.Headers.WWWAuthenticate = "Basic realm=\"SBC REST\"";
        if (body.Length > 0)
        {
            http.Response.ContentType = "application/xml";
            await http.Response.WriteAsync(body);
        }
    }

    /// <summary>
    /// The documented envelope: <c>response</c> with <c>data</c>, <c>messages</c>, <c>links</c>
    /// (SBC-REST 8.3.0 op-rest-version-admin-asyncstatus-get.html, "Root Schema : response"; the
    /// example answer of "Save, Verify, and Activate the Configuration",
    /// https://docs.oracle.com/cd/F21318_01/REST/use-case-save-verify-activate.html).
    /// </summary>
    internal static string Envelope(string data = "", string messages = "", string links = "") =>
        $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<response><data>{data}</data><messages>{messages}</messages><links>{links}</links></response>";

    /// <summary>
    /// An error answer: <c>messages/errorMessage</c> holds the text, <c>data</c> and <c>links</c> stay
    /// empty (SBC-REST 8.3.0 op-rest-version-admin-asyncstatus-get.html, 400/401/403/404 Response:
    /// <c>messages</c> with <c>errorMessage</c> "Error message string", <c>links</c> with an optional <c>link</c>).
    /// </summary>
    internal static (int, string) Error(int status, string text) =>
        (status, Envelope(messages: $"<errorMessage>{System.Security.SecurityElement.Escape(text)}</errorMessage>"));

    private async Task<(int Status, string Body)> AnswerAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        var method = http.Request.Method;
        // SBC-REST 8.4.0 quick-start.html, "Task 2": POST /rest/{version}/auth/token; v1.2 is the
        // version the 8.4 and 9.3 pages name ("Available values: v1.2").
        if (path == "/rest/v1.2/auth/token" && HttpMethods.IsPost(method)) return Token(http.Request);
        if (!path.StartsWith("/rest/v1.2/", StringComparison.Ordinal)) return Error(404, UnknownInstance);
        // Every page's header parameter: "Bearer {access token}" of "a valid, unexpired token"; else 401.
        var token = BearerToken(http.Request);
        if (token is null) return Error(401, Unauthorized);
        lock (_gate)
        {
            var injected = _injected.Keys.FirstOrDefault(k => k.StartsWith(method + " ", StringComparison.Ordinal) && path.EndsWith(k[(method.Length + 1)..], StringComparison.Ordinal));
            if (injected is not null)
            {
                var code = _injected[injected];
                _injected.Remove(injected);
                return Error(code, code >= 500 ? ServerError : code == 400 ? Malformed : UnknownInstance);
            }
        }
        var rest = path["/rest/v1.2".Length..];
        return (rest, method) switch
        {
            ("/configuration/lock", "POST") => Lock(token),
            ("/configuration/unlock", "POST") => Unlock(token),
            ("/configuration/certificates/generateRequest", "PUT") => GenerateRequest(token, http.Request.Query["recordName"].ToString()),
            ("/configuration/certificates/import", "PUT") => Import(token, await BodyAsync(http)),
            ("/configuration/certificates", "GET") => GetCertificate(http.Request.Query["recordName"].ToString(), http.Request.Query["format"].ToString()),
            ("/configuration/configElements", "GET") => GetElement(http.Request.Query["elementType"].ToString(), http.Request.Query["name"].ToString(), http.Request.Query["running"] == "true"),
            ("/configuration/configElements", "PUT") => PutElement(token, await BodyAsync(http)),
            ("/configuration/management", "PUT") => Manage(token, http.Request.Query["action"].ToString(), put: true),
            ("/configuration/management", "POST") => Manage(token, http.Request.Query["action"].ToString(), put: false),
            ("/admin/asyncstatus", "GET") => AsyncStatus(),
            _ => Error(404, UnknownInstance),
        };
    }

    private (int, string) Token(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        string? credentials = null;
        if (header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            try
            {
                credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..]));
            }
            catch (FormatException)
            {
            }
        }
        // SBC-REST 8.3.0 op-rest-version-auth-token-post.html: Basic with base64 "username:password".
        if (credentials != $"{_user}:{_password}") return Error(401, Unauthorized);
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        lock (_gate) _tokens[token] = TimeProvider.System.GetUtcNow() + TokenLifetime;
        // SBC-REST 8.4.0 quick-start.html: "The <data> element of the response contains an <accessToken> element".
        return (200, Envelope(data: $"<accessToken>{token}</accessToken>"));
    }

    private string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal)) return null;
        var token = header[7..];
        lock (_gate) return _tokens.TryGetValue(token, out var expires) && expires > TimeProvider.System.GetUtcNow() ? token : null;
    }

    /// <summary>
    /// SBC-REST 8.2.0 op-rest-version-configuration-lock-post.html: 204 when acquired, 423 when
    /// "another client/user already owns the configuration lock"; the 423 text is the one the
    /// import page gives for that case. SBC-REST 8.3.0 op-rest-version-auth-token-post.html: "the
    /// configuration lock is tied to a token".
    /// </summary>
    private (int, string) Lock(string token)
    {
        lock (_gate)
        {
            if (_lockOwner == "other" && _otherUserLockRequests != int.MaxValue && _otherUserLockRequests-- <= 0) _lockOwner = null;
            if (_lockOwner is not null && _lockOwner != token) return Error(423, LockedByOther);
            _lockOwner = token;
            return (204, "");
        }
    }

    /// <summary>POST configuration/unlock: 204, or 423 with the documented texts when the caller does not own the lock.</summary>
    private (int, string) Unlock(string token)
    {
        lock (_gate)
        {
            if (_lockOwner != token) return Error(423, _lockOwner is null ? LockNotHeld : LockedByOther);
            _lockOwner = null;
            return (204, "");
        }
    }

    /// <summary>
    /// Null when the caller holds the lock; else the documented 423 (SBC-REST 8.4.0
    /// op-rest-version-configuration-certificates-import-put.html, 423 Response: "Resource locked by
    /// another user" when someone else owns it, "User does not have the lock" when nobody does).
    /// </summary>
    private (int, string)? NeedsLock(string token)
    {
        lock (_gate)
        {
            if (_lockOwner == token) return null;
            return Error(423, _lockOwner is null ? LockNotHeld : LockedByOther);
        }
    }

    private static async Task<string> BodyAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
