using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Rotor.IntegrationTests.Support.Emulators;

/// <summary>
/// An AudioCodes Mediant device's REST API v1, as far as TLS contexts go, on 127.0.0.1 (Kestrel,
/// port 0). Every behaviour follows a page of AudioCodes' "REST API for Mediant Devices"
/// (techdocs.audiocodes.com/session-border-controller-sbc/rest-api/version-740/Content/REST-API/,
/// page named in brackets), or the HTTP RFC named:
/// <list type="bullet">
/// <item>Every request under /api/v1 is authenticated with HTTP Basic; credentials must be a valid
/// device user ["Authentication and Session Establishment"]. A request without them, or with wrong
/// ones, is answered 401 with <c>WWW-Authenticate: Basic</c> (RFC 9110 section 11.6.1, RFC 7617).</item>
/// <item><c>GET/PUT /api/v1/files/tls/{id}/certificate</c>: downloads the device certificate
/// (application/octet-stream, PEM) or uploads one as the multipart field <c>file</c> in PEM; 400 when
/// it is not PEM, 409 while the redundant board is synchronizing; 200 with
/// <c>{"description": "Certificate was successfully changed"}</c> ["Device Certificate"].</item>
/// <item><c>GET/PUT .../privateKey</c>: GET answers <c>{"size", "valid"}</c> (the key is never given
/// out); PUT uploads a PEM key as field <c>file</c>; 400 when not PEM, 409 while synchronizing; 200
/// <c>{"description": "Private key was successfully changed"}</c> ["Private Key"].</item>
/// <item><c>POST .../privateKey/generate {"size"}</c>: a new key made on the device; default size
/// 1024; 400 on bad values, 409 while synchronizing ["Generate New Private Key"].</item>
/// <item><c>POST .../certificate/request {subjectName, ..., signatureAlgorithm}</c>: a CSR signed with
/// the context's current key, <c>signatureAlgorithm</c> sha1 | sha256 | sha512 with default sha1;
/// answered as application/octet-stream PEM; 409 while synchronizing ["Generate Certificate Signing
/// Request"]. The key stays in the emulator, as it stays on the device.</item>
/// <item><c>GET/PUT .../trustedRoot</c>: the whole trusted root store, several PEM certificates one
/// after another; PUT replaces it; 400 when not PEM, 409 while synchronizing ["Trusted Root
/// Certificates"]. <c>PUT .../trustedRoot/incremental</c> adds one certificate; 200
/// <c>{"description": "Trusted root certificate was successfully added"}</c> ["Add Certificate to
/// Trusted Root Store"].</item>
/// <item><c>POST /api/v1/actions/saveConfiguration</c> (Content-Length 0): the configuration is kept
/// across a reboot; 200, or 409 when the device state does not allow it ["Save Configuration"].
/// The emulator keeps the saved state apart, so a test can tell saved from running.</item>
/// </list>
/// Error bodies: the guide documents status codes, not error bodies; the emulator answers
/// <c>{"description": "..."}</c>, the shape of every documented answer, and Rotor quotes whatever
/// text it gets. The initial state of a context (a 2048-bit RSA key and a self-signed certificate,
/// as after "Generate Self-Signed Certificate") is what a device has before anyone deploys to it.
/// Test controls (not device behaviour): <see cref="SynchronizingFor"/> makes the next N changing
/// requests answer 409 as a synchronizing redundant board does; <see cref="FailNext"/> injects one
/// answer (a 5xx) for a path.
/// </summary>
public sealed partial class AudioCodesEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _user;
    private readonly string _password;
    private readonly object _gate = new();
    private readonly Dictionary<int, TlsContext> _contexts = [];
    private readonly List<string> _requests = [];
    private readonly Dictionary<string, int> _injected = new(StringComparer.Ordinal);
    private int _synchronizing;

    /// <summary>One TLS context: a key, a certificate and a trusted root store, running and as saved.</summary>
    public sealed class TlsContext
    {
        public required AsymmetricAlgorithm Key { get; set; }
        public required string CertificatePem { get; set; }
        public List<string> TrustedRoots { get; set; } = [];
        public string? SavedCertificatePem { get; set; }
        public string? LastSignatureAlgorithm { get; set; }
    }

    private AudioCodesEmulator(WebApplication app, string user, string password)
    {
        _app = app;
        _user = user;
        _password = password;
    }

    public static async Task<AudioCodesEmulator> StartAsync(string user, string password)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var emulator = new AudioCodesEmulator(app, user, password);
        app.Run(emulator.HandleAsync);
        await app.StartAsync();
        return emulator;
    }

    public string Url => _app.Urls.First().TrimEnd('/');

    /// <summary>Method, path and answer of every request, in order.</summary>
    public IReadOnlyList<string> Requests { get { lock (_gate) return [.. _requests]; } }

    public int Saves { get; private set; }

    /// <summary>The next <paramref name="count"/> requests that change something answer 409 (a redundant board synchronizing).</summary>
    public void SynchronizingFor(int count) { lock (_gate) _synchronizing = count; }

    /// <summary>The next <paramref name="method"/> request whose path ends with <paramref name="pathSuffix"/> gets <paramref name="status"/>.</summary>
    public void FailNext(string method, string pathSuffix, int status) { lock (_gate) _injected[method + " " + pathSuffix] = status; }

    public TlsContext Context(int id)
    {
        lock (_gate)
        {
            if (!_contexts.TryGetValue(id, out var context))
            {
                var key = RSA.Create(2048);
                var request = new CertificateRequest($"CN=ACL {id}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                using var self = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddYears(10));
                context = new TlsContext { Key = key, CertificatePem = self.ExportCertificatePem() + "\n" };
                _contexts[id] = context;
            }
            return context;
        }
    }

    /// <summary>The certificate the context serves.</summary>
    public X509Certificate2 Served(int id) => X509Certificate2.CreateFromPem(Context(id).CertificatePem);

    /// <summary>The context's key as PKCS#8 PEM: what must never appear in Rotor's files.</summary>
    public string DevicePrivateKeyPem(int id) => Context(id).Key.ExportPkcs8PrivateKeyPem();

    public byte[] DevicePublicKey(int id) => Context(id).Key.ExportSubjectPublicKeyInfo();

    public bool KeyMatchesCertificate(int id)
    {
        var context = Context(id);
        return Served(id).PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(context.Key.ExportSubjectPublicKeyInfo());
    }

    [GeneratedRegex(@"^/api/v1/files/tls/(\d+)/(certificate|certificate/request|privateKey|privateKey/generate|trustedRoot|trustedRoot/incremental)$")]
    private static partial Regex TlsPath();

    private async Task HandleAsync(HttpContext http)
    {
        var (status, body, type) = await AnswerAsync(http);
        lock (_gate) _requests.Add($"{http.Request.Method} {http.Request.Path} {status}");
        http.Response.StatusCode = status;
        // RFC 9110 section 11.6.1 and RFC 7617: a 401 names the Basic scheme.
        if (status == 401) http.Response.Headers.WWWAuthenticate = "Basic realm=\"REST API\"";
        http.Response.ContentType = type;
        await http.Response.WriteAsync(body);
    }

    /// <summary>
    /// <c>{"description": ...}</c>, the shape of the documented answers ["Device Certificate", "Private
    /// Key", "Add Certificate to Trusted Root Store"]; for errors the guide gives status codes only,
    /// so their texts are the emulator's own and Rotor quotes whatever it gets.
    /// </summary>
    private static (int, string, string) Json(int status, string description) =>
        (status, JsonSerializer.Serialize(new Dictionary<string, string> { ["description"] = description }), "application/json");

    private async Task<(int Status, string Body, string Type)> AnswerAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        // ["Authentication and Session Establishment"]: HTTP Basic on every request.
        if (!Authorized(http.Request)) return Json(401, "Unauthorized");
        lock (_gate)
        {
            var verb = http.Request.Method + " ";
            var injected = _injected.Keys.FirstOrDefault(k => k.StartsWith(verb, StringComparison.Ordinal) && path.EndsWith(k[verb.Length..], StringComparison.Ordinal));
            if (injected is not null)
            {
                var code = _injected[injected];
                _injected.Remove(injected);
                return Json(code, "Internal error");
            }
        }
        var changes = !HttpMethods.IsGet(http.Request.Method);
        if (changes)
        {
            lock (_gate)
            {
                // 409 while the redundant board synchronizes: the 409 of each changing page ["Device
                // Certificate", "Private Key", "Trusted Root Certificates", "Save Configuration"].
                if (_synchronizing > 0)
                {
                    _synchronizing--;
                    return Json(409, "Operation can't be performed: redundant board is synchronizing");
                }
            }
        }
        // ["Save Configuration"]: POST, 200; the emulator keeps the saved state apart.
        if (path == "/api/v1/actions/saveConfiguration" && HttpMethods.IsPost(http.Request.Method))
        {
            lock (_gate)
            {
                foreach (var c in _contexts.Values) c.SavedCertificatePem = c.CertificatePem;
                Saves++;
            }
            return (200, "", "text/plain");
        }
        var match = TlsPath().Match(path);
        // RFC 9110 section 15.5.5 (404) for a path the guide does not have; 15.5.6 (405) for a method.
        if (!match.Success) return Json(404, "Not found");
        var context = Context(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        var method = http.Request.Method;
        // The pages, in order: ["Device Certificate"], ["Private Key"], ["Generate New Private Key"],
        // ["Generate Certificate Signing Request"], ["Trusted Root Certificates"], ["Add Certificate
        // to Trusted Root Store"]. GET privateKey answers {"size", "valid"}, never the key ["Private Key"].
        return (match.Groups[2].Value, method) switch
        {
            ("certificate", "GET") => (200, context.CertificatePem, "application/octet-stream"),
            ("certificate", "PUT") => PutCertificate(context, await FileAsync(http)),
            ("privateKey", "GET") => (200, $"{{\"size\": {context.Key.KeySize}, \"valid\": {(KeyMatches(context) ? "true" : "false")}}}", "application/json"),
            ("privateKey", "PUT") => PutKey(context, await FileAsync(http)),
            ("privateKey/generate", "POST") => Generate(context, await JsonBodyAsync(http)),
            ("certificate/request", "POST") => Request(context, await JsonBodyAsync(http)),
            ("trustedRoot", "GET") => (200, string.Concat(context.TrustedRoots), "application/octet-stream"),
            ("trustedRoot", "PUT") => PutTrust(context, await FileAsync(http), replace: true),
            ("trustedRoot/incremental", "PUT") => PutTrust(context, await FileAsync(http), replace: false),
            _ => Json(405, "Method not allowed"),
        };
    }

    private bool Authorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.Ordinal)) return false;
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])) == $"{_user}:{_password}";
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool KeyMatches(TlsContext context) =>
        X509Certificate2.CreateFromPem(context.CertificatePem).PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(context.Key.ExportSubjectPublicKeyInfo());

    /// <summary>The multipart field <c>file</c>, as every upload sends it ["Device Certificate", "Private Key", "Trusted Root Certificates"]; null when there is none.</summary>
    private static async Task<string?> FileAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType) return null;
        var form = await http.Request.ReadFormAsync();
        if (form.Files.GetFile("file") is not { } file) return null;
        using var reader = new StreamReader(file.OpenReadStream(), Encoding.ASCII);
        return await reader.ReadToEndAsync();
    }

    private static async Task<JsonElement> JsonBodyAsync(HttpContext http)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static List<string>? ReadCertificates(string? pem)
    {
        if (pem is null || !pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)) return null;
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(pem);
            return collection.Count == 0 ? null : [.. collection.Select(c => c.ExportCertificatePem() + "\n")];
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>["Device Certificate"] PUT: a PEM certificate; 400 when not PEM; 200 "Certificate was successfully changed".</summary>
    private (int, string, string) PutCertificate(TlsContext context, string? pem)
    {
        if (ReadCertificates(pem) is not { } certificates) return Json(400, "Bad request: certificate file is not in PEM format");
        lock (_gate) context.CertificatePem = certificates[0];
        return Json(200, "Certificate was successfully changed");
    }

    /// <summary>["Private Key"] PUT: a PEM private key; 400 when not PEM; 200 "Private key was successfully changed".</summary>
    private (int, string, string) PutKey(TlsContext context, string? pem)
    {
        if (pem is null || !pem.Contains("PRIVATE KEY-----", StringComparison.Ordinal)) return Json(400, "Bad request: private key file is not in PEM format");
        AsymmetricAlgorithm key = pem.Contains("BEGIN EC PRIVATE KEY", StringComparison.Ordinal) ? ECDsa.Create() : RSA.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // A PKCS#8 EC key reads only as EC: try that before calling the file bad.
            key.Dispose();
            key = ECDsa.Create();
            try
            {
                key.ImportFromPem(pem);
            }
            catch (Exception e2) when (e2 is CryptographicException or ArgumentException)
            {
                key.Dispose();
                return Json(400, "Bad request: private key file is not in PEM format");
            }
        }
        lock (_gate) context.Key = key;
        return Json(200, "Private key was successfully changed");
    }

    /// <summary>["Generate New Private Key"]: <c>{"size"}</c>, 1024 by default; 400 on a size the page does not list.</summary>
    private (int, string, string) Generate(TlsContext context, JsonElement body)
    {
        var size = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("size", out var s) && s.TryGetInt32(out var n) ? n : 1024;
        if (size is not (1024 or 2048 or 3072 or 4096)) return Json(400, "Bad request: invalid key size");
        lock (_gate) context.Key = RSA.Create(size);
        return Json(200, "Private key was successfully generated");
    }

    /// <summary>
    /// ["Generate Certificate Signing Request"]: a PKCS#10 request signed with the context's key,
    /// <c>signatureAlgorithm</c> sha1 | sha256 | sha512 (sha1 by default), answered as
    /// application/octet-stream PEM; 400 on another algorithm.
    /// </summary>
    private (int, string, string) Request(TlsContext context, JsonElement body)
    {
        string Field(string name) => body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
        var algorithm = Field("signatureAlgorithm") is { Length: > 0 } a ? a : "sha1";
        HashAlgorithmName? hash = algorithm switch { "sha1" => HashAlgorithmName.SHA1, "sha256" => HashAlgorithmName.SHA256, "sha512" => HashAlgorithmName.SHA512, _ => null };
        if (hash is null) return Json(400, "Bad request: invalid signatureAlgorithm");
        var subject = Field("subjectName");
        var name = new X500DistinguishedName(subject.Length > 0 ? "CN=" + subject.Replace(",", "\\,", StringComparison.Ordinal) : "CN=");
        lock (_gate)
        {
            context.LastSignatureAlgorithm = algorithm;
            var request = context.Key switch
            {
                RSA rsa => new CertificateRequest(name, rsa, hash.Value, RSASignaturePadding.Pkcs1),
                ECDsa ec => new CertificateRequest(name, ec, hash.Value),
                _ => throw new InvalidOperationException("unknown key type"),
            };
            return (200, request.CreateSigningRequestPem() + "\n", "application/octet-stream");
        }
    }

    /// <summary>
    /// ["Trusted Root Certificates"] PUT replaces the store with the PEM certificates sent; ["Add
    /// Certificate to Trusted Root Store"] (incremental) adds them, 200 "Trusted root certificate was
    /// successfully added"; 400 when not PEM.
    /// </summary>
    private (int, string, string) PutTrust(TlsContext context, string? pem, bool replace)
    {
        if (ReadCertificates(pem) is not { } certificates) return Json(400, "Bad request: certificate file is not in PEM format");
        lock (_gate)
        {
            if (replace) context.TrustedRoots = certificates;
            else context.TrustedRoots.AddRange(certificates);
        }
        return Json(200, replace ? "Trusted root store was successfully changed" : "Trusted root certificate was successfully added");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
