using Rotor.Tests.Support;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Rotor.Tests.Acme;

/// <summary>
/// A CA's whole happy path as an HttpMessageHandler: directory, nonce, account, an order for
/// <c>a.example.test</c> and <c>*.example.test</c> (two dns-01 authorizations), finalize answered
/// "processing" then valid on the next poll, a PEM chain with an alternate, and renewalInfo.
/// Every answer is numbered in order and passed to <see cref="Mutate"/> before it is sent, so a
/// test can break exactly one of them.
/// </summary>
internal sealed class FuzzedAcmeServer : HttpMessageHandler
{
    public const string Base = "https://acme.test";
    public static readonly Uri Directory = new(Base + "/dir");
    public const string AltRoot = "Fuzz Alt Root";

    private static readonly Lazy<Pki> Certificates = new(Pki.Create);
    private readonly HashSet<string> _answered = [];
    private int _nonce;

    /// <summary>Changes answer number N (from 0) to a request for a path before it is sent; null sends it as it is.</summary>
    public Func<int, string, ScriptedResponse, ScriptedResponse>? Mutate { get; init; }

    public int Answers { get; private set; }

    /// <summary>"METHOD /path" of every request, in order.</summary>
    public List<string> Requests { get; } = [];

    /// <summary>The leaf the chain carries: it has an authority key identifier, so ARI can name it.</summary>
    public static X509Certificate2 Leaf => Certificates.Value.Leaf;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        var answer = Answer(request.Method, path);
        answer.Headers.Add(("Replay-Nonce", "fuzz-nonce-" + Interlocked.Increment(ref _nonce)));
        int index;
        lock (_answered)
        {
            _answered.Add(path);
            Requests.Add($"{request.Method} {request.RequestUri.PathAndQuery}");
            index = Answers++;
        }
        if (Mutate is { } mutate) answer = mutate(index, path, answer);
        return Task.FromResult(answer.ToMessage(request));
    }

    private ScriptedResponse Answer(HttpMethod method, string path)
    {
        if (method == HttpMethod.Head) return new ScriptedResponse(HttpStatusCode.OK, null, []);
        switch (path)
        {
            case "/dir":
                return Json(HttpStatusCode.OK, $$"""
                    {"newNonce":"{{Base}}/nonce","newAccount":"{{Base}}/account","newOrder":"{{Base}}/new-order",
                     "revokeCert":"{{Base}}/revoke","keyChange":"{{Base}}/key-change","renewalInfo":"{{Base}}/renewal-info",
                     "meta":{"termsOfService":"{{Base}}/terms","externalAccountRequired":false,
                             "profiles":{"classic":"the usual","tlsserver":"short-lived"} } }
                    """);
            case "/account":
                return Json(HttpStatusCode.Created, """{"status":"valid","contact":["mailto:ops@example.test"],"orders":"https://acme.test/orders/1"}""",
                    ("Location", Base + "/account/1"));
            case "/new-order":
                return Order(HttpStatusCode.Created, "pending", ("Location", Base + "/order/1"));
            case "/authz/1" or "/authz/2":
                var n = path[^1];
                var done = Answered("/chall/" + n);
                return Json(HttpStatusCode.OK, $$"""
                    {"status":"{{(done ? "valid" : "pending")}}","expires":"2030-01-08T00:00:00Z",
                     "identifier":{"type":"dns","value":"{{(n == '1' ? "a.example.test" : "example.test")}}"},{{(n == '2' ? "\"wildcard\":true," : "")}}
                     "challenges":[
                       {"type":"http-01","url":"{{Base}}/chall/h{{n}}","status":"pending","token":"hTok{{n}}_-AbC"},
                       {"type":"dns-01","url":"{{Base}}/chall/{{n}}","status":"{{(done ? "valid" : "pending")}}","token":"dTok{{n}}_-XyZ"},
                       {"type":"tls-alpn-01","url":"{{Base}}/chall/t{{n}}","status":"pending","token":"tTok{{n}}"}]}
                    """);
            case "/chall/1" or "/chall/2":
                return Json(HttpStatusCode.OK, $$"""{"type":"dns-01","url":"{{Base}}{{path}}","status":"processing","token":"dTok{{path[^1]}}_-XyZ"}""");
            case "/finalize/1":
                return Order(HttpStatusCode.OK, "processing", ("Retry-After", "1"));
            case "/order/1":
                return Order(HttpStatusCode.OK, Answered("/finalize/1") ? "valid" : "ready");
            case "/cert/1":
                return Pem(Certificates.Value.DefaultChain, ("Link", $"<{Base}/cert/1/alt>;rel=\"alternate\""), ("Link", $"<{Base}/dir>;rel=\"index\""));
            case "/cert/1/alt":
                return Pem(Certificates.Value.AltChain, ("Link", $"<{Base}/dir>;rel=\"index\""));
            case var p when p.StartsWith("/renewal-info/", StringComparison.Ordinal):
                return Json(HttpStatusCode.OK, """
                    {"suggestedWindow":{"start":"2030-02-01T00:00:00Z","end":"2030-02-03T00:00:00Z"},"explanationURL":"https://acme.test/docs/ari"}
                    """, ("Retry-After", "21600"));
            default:
                return Json(HttpStatusCode.NotFound, """{"type":"urn:ietf:params:acme:error:malformed","detail":"no such resource"}""");
        }
    }

    private bool Answered(string path)
    {
        lock (_answered) return _answered.Contains(path);
    }

    private ScriptedResponse Order(HttpStatusCode status, string state, params (string, string)[] headers) => Json(status, $$"""
        {"status":"{{state}}","expires":"2030-01-08T00:00:00Z",
         "identifiers":[{"type":"dns","value":"a.example.test"},{"type":"dns","value":"*.example.test"}],
         "authorizations":["{{Base}}/authz/1","{{Base}}/authz/2"],"finalize":"{{Base}}/finalize/1"{{(state == "valid" ? $",\"certificate\":\"{Base}/cert/1\"" : "")}}}
        """, headers);

    private static ScriptedResponse Json(HttpStatusCode status, string body, params (string, string)[] headers) =>
        new(status, status < HttpStatusCode.BadRequest ? "application/json" : "application/problem+json", Encoding.UTF8.GetBytes(body), [.. headers]);

    private static ScriptedResponse Pem(string pem, params (string, string)[] headers) =>
        new(HttpStatusCode.OK, "application/pem-certificate-chain", Encoding.ASCII.GetBytes(pem), [.. headers]);

    /// <summary>A leaf with two chains: the default one under "Fuzz Root", the alternate under <see cref="AltRoot"/>.</summary>
    private sealed record Pki(X509Certificate2 Leaf, string DefaultChain, string AltChain)
    {
        public static Pki Create()
        {
            var now = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
            using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var altKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var root = Ca("CN=Fuzz Root", rootKey, null, null, now);
            using var intermediate = Ca("CN=Fuzz Intermediate", rootKey, root, rootKey, now);
            using var altRoot = Ca("CN=" + AltRoot, altKey, null, null, now);
            using var altIntermediate = Ca("CN=Fuzz Alt Intermediate", rootKey, altRoot, altKey, now);
            var leafRequest = new CertificateRequest("CN=a.example.test", leafKey, HashAlgorithmName.SHA256);
            leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(intermediate, true, false));
            // The intermediate's key is rootKey (see Ca), so rootKey signs the leaf.
            var leaf = leafRequest.Create(intermediate.SubjectName, X509SignatureGenerator.CreateForECDsa(rootKey), now.AddDays(-1), now.AddDays(90), [7, 7, 7]);
            return new Pki(leaf, leaf.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem() + "\n",
                leaf.ExportCertificatePem() + "\n" + altIntermediate.ExportCertificatePem() + "\n");
        }

        private static X509Certificate2 Ca(string subject, ECDsa key, X509Certificate2? issuer, ECDsa? issuerKey, DateTimeOffset now)
        {
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            return issuer is null
                ? request.CreateSelfSigned(now.AddYears(-1), now.AddYears(10))
                : request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey!), now.AddYears(-1), now.AddYears(5), [(byte)subject.Length]);
        }
    }
}

/// <summary>One answer before it becomes an HttpResponseMessage, so that any part of it can be changed.</summary>
internal sealed record ScriptedResponse(HttpStatusCode Status, string? ContentType, byte[] Body, List<(string Name, string Value)> Headers)
{
    public ScriptedResponse(HttpStatusCode status, string? contentType, byte[] body) : this(status, contentType, body, []) { }

    /// <summary>When set, the body is this many bytes streamed without a Content-Length (Body is ignored).</summary>
    public long StreamedLength { get; init; } = -1;

    /// <summary>Told how many bytes of a streamed body each read handed out.</summary>
    public Action<int>? OnStreamRead { get; init; }

    public HttpResponseMessage ToMessage(HttpRequestMessage request)
    {
        HttpContent content = StreamedLength >= 0 ? new StreamContent(new GeneratedStream(StreamedLength, OnStreamRead)) : new ByteArrayContent(Body);
        if (ContentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        var message = new HttpResponseMessage(Status) { Content = content, RequestMessage = request };
        foreach (var (name, value) in Headers) message.Headers.TryAddWithoutValidation(name, value);
        return message;
    }

    /// <summary>A body of <c>length</c> spaces made as it is read, so a huge body costs no memory here.</summary>
    private sealed class GeneratedStream(long length, Action<int>? onRead) : ReadOnlyBodyStream
    {
        private long _left = length;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, _left);
            buffer.AsSpan(offset, n).Fill((byte)' ');
            _left -= n;
            onRead?.Invoke(n);
            return n;
        }
    }
}
