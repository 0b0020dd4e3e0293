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
/// target's caBundle). Each behaviour follows a page of Oracle's "REST API for Session Border
/// Controller" (docs.oracle.com/en/industries/communications/session-border-controller/{8.4.0|9.3.0}/rest/,
/// page named in brackets):
/// <list type="bullet">
/// <item>HTTPS only ["Enable HTTPS": plain HTTP is answered 426]: the emulator listens on TLS only.</item>
/// <item><c>POST /rest/v1.2/auth/token</c> with <c>Authorization: Basic</c> answers an XML
/// <c>response/data/accessToken</c>; every other request needs <c>Authorization: Bearer {token}</c>;
/// tokens live ten minutes; missing or wrong credentials, or an unknown or expired token, get 401
/// ["Request an access token"; "Authenticate" for the accessToken element].</item>
/// <item><c>POST .../configuration/lock</c>: 204, or 423 "Resource locked by another user" while another
/// user or session holds it; the lock is tied to the token (it goes when the token expires).
/// <c>POST .../configuration/unlock</c>: 204, or 423 when the caller does not own it ["Lock the
/// configuration", "Unlock the configuration"].</item>
/// <item>Changes need the lock: otherwise 423, "Resource locked by another user" when someone else
/// holds it, "User does not have the lock" when nobody does ["Import a CA-signed certificate", 423].</item>
/// <item><c>PUT .../configuration/certificates/generateRequest?recordName=</c>: a PKCS#10 request in PEM in
/// the answer's data section; the private key is generated and stored in the certificate-record
/// (in the emulator: generated, RSA 2048, kept in the emulator, never answered); 404 for an unknown
/// record ["Generate a certificate signing request for a certificate-record"; ACLI "Generate a
/// Certificate Request": "generate a private key and a certificate request"].</item>
/// <item><c>PUT .../configuration/certificates/import</c>, application/xml: the PEM certificate in
/// <c>certificateRequest</c> (the 9.3 page's schema), the record's name in the body (answered back),
/// X509 format; 9.3 replaces an already imported certificate only with <c>&lt;overwrite&gt;true&lt;/overwrite&gt;</c>
/// (9.3 page; 8.4 has no such element, and a sub-element that is not valid fails the request); 400 when
/// the certificate is not PEM; 404 for an unknown record ["Import a CA-signed certificate", 8.4 and 9.3].</item>
/// <item><c>GET .../configuration/certificates?recordName=&amp;format=pem</c>: the imported certificate;
/// 404 when the record is unknown or holds no imported certificate ["Get certificate details"].</item>
/// <item><c>GET/PUT .../configuration/configElements</c> for tls-profile: an XML <c>configElement</c>
/// with <c>elementType</c> and <c>attribute</c> name/value pairs; PUT names the instance by its key
/// attribute (<c>name</c>) and the attributes it changes, needs the lock ["Update a single configuration
/// element instance"; "Get one or more configuration element instances": answered from the edited
/// configuration unless <c>running=true</c>; ACLI "tls-profile": <c>end-entity-certificate</c> names
/// the certificate-record].</item>
/// <item><c>PUT .../configuration/management?action=save|verify</c> and <c>POST ...?action=activate</c>:
/// 202 with a link to poll (<c>response/links/link</c>, here <c>GET .../admin/asyncstatus</c>), whose
/// <c>data/operationState</c> gives <c>operation</c> and <c>status</c> (success at the end); the lock is
/// required; activate makes the saved configuration the running one ["Save, verify or restore a
/// configuration", "Activate a configuration", "Save, Verify, and Activate the Configuration";
/// "All REST Endpoints": admin/asyncstatus].</item>
/// </list>
/// Answer envelope: <c>response</c> with <c>data</c>, <c>messages</c> and <c>links</c> (the schema of every
/// page). What the pages leave open, and the emulator picks (Rotor depends on none of it; it reads PEM
/// blocks and the text under <c>messages</c> wherever they are): the element names inside
/// <c>messages</c> (<c>error/reasonCode</c>, <c>error/reason</c>) and inside <c>data</c> for a request
/// (<c>csr</c>); the error texts other than the documented 423 ones; the record-name and format
/// element names of an import (<c>certRecordName</c>, <c>importFormat</c>); the status of an action
/// not yet finished (<c>inProgress</c>); that GET certificates reads the edited configuration.
/// Configuration is kept three times, as on the SBC: edited, saved, running (what the SBC presents).
/// Test controls (not SBC behaviour): <see cref="OtherUserHoldsLock"/>, <see cref="FailNext"/>,
/// <see cref="ExpireTokens"/>, <see cref="PollsBeforeDone"/>.
/// </summary>
public sealed partial class OracleSbcEmulator : IAsyncDisposable
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(10);
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

    /// <summary>Every token expires now (as ten minutes later), and a lock tied to one goes with it.</summary>
    public void ExpireTokens()
    {
        lock (_gate)
        {
            foreach (var token in _tokens.Keys.ToList()) _tokens[token] = DateTimeOffset.MinValue;
            if (_lockOwner is not null && _tokens.ContainsKey(_lockOwner)) _lockOwner = null;
        }
    }

    /// <summary>How many polls answer "inProgress" before a save, verify or activate reports success.</summary>
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
        if (status == 401) http.Response.Headers.WWWAuthenticate = "Basic realm=\"SBC REST\"";
        if (body.Length > 0)
        {
            http.Response.ContentType = "application/xml";
            await http.Response.WriteAsync(body);
        }
    }

    /// <summary>The documented envelope: <c>response</c> with <c>data</c>, <c>messages</c>, <c>links</c>.</summary>
    internal static string Envelope(string data = "", string messages = "", string links = "") =>
        $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<response><data>{data}</data><messages>{messages}</messages><links>{links}</links></response>";

    internal static (int, string) Error(int status, string reason) =>
        (status, Envelope(messages: $"<error><reasonCode>{status}</reasonCode><reason>{System.Security.SecurityElement.Escape(reason)}</reason></error>"));

    private async Task<(int Status, string Body)> AnswerAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        var method = http.Request.Method;
        if (path == "/rest/v1.2/auth/token" && HttpMethods.IsPost(method)) return Token(http.Request);
        if (!path.StartsWith("/rest/v1.2/", StringComparison.Ordinal)) return Error(404, "Unsupported version ID in URI");
        var token = BearerToken(http.Request);
        if (token is null) return Error(401, "Unauthorized - Request lacks valid authentication credentials.");
        lock (_gate)
        {
            var injected = _injected.Keys.FirstOrDefault(k => k.StartsWith(method + " ", StringComparison.Ordinal) && path.EndsWith(k[(method.Length + 1)..], StringComparison.Ordinal));
            if (injected is not null)
            {
                var code = _injected[injected];
                _injected.Remove(injected);
                return code == 400 && path.EndsWith("/certificates/import", StringComparison.Ordinal)
                    ? Error(400, "Invalid certificate: the certificate is not in PEM format")
                    : Error(code, code >= 500 ? "Internal Server Error" : "Request failed");
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
            _ => Error(404, "Unsupported version ID in URI or unknown instance is requested in the URL"),
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
        if (credentials != $"{_user}:{_password}") return Error(401, "Unauthorized - Request lacks valid authentication credentials.");
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        lock (_gate) _tokens[token] = TimeProvider.System.GetUtcNow() + TokenLifetime;
        return (200, Envelope(data: $"<accessToken>{token}</accessToken>"));
    }

    private string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal)) return null;
        var token = header[7..];
        lock (_gate) return _tokens.TryGetValue(token, out var expires) && expires > TimeProvider.System.GetUtcNow() ? token : null;
    }

    private (int, string) Lock(string token)
    {
        lock (_gate)
        {
            if (_lockOwner == "other" && _otherUserLockRequests != int.MaxValue && _otherUserLockRequests-- <= 0) _lockOwner = null;
            if (_lockOwner is not null && _lockOwner != token) return Error(423, "Resource locked by another user");
            _lockOwner = token;
            return (204, "");
        }
    }

    private (int, string) Unlock(string token)
    {
        lock (_gate)
        {
            if (_lockOwner != token) return Error(423, _lockOwner is null ? "User does not have the lock" : "Resource locked by another user");
            _lockOwner = null;
            return (204, "");
        }
    }

    /// <summary>Null when the caller holds the lock; else the documented 423.</summary>
    private (int, string)? NeedsLock(string token)
    {
        lock (_gate)
        {
            if (_lockOwner == token) return null;
            return Error(423, _lockOwner is null ? "User does not have the lock" : "Resource locked by another user");
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
