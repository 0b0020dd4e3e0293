using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using Rotor.Core.Abstractions;
using Rotor.Keys;

namespace Rotor.Targets;

/// <summary>
/// The REST calls: a bearer token from <c>POST /rest/v1.2/auth/token</c> with HTTP Basic, sent on
/// every later request (a 401 asks once for a new token: tokens expire after 10 minutes); any
/// failure becomes a <see cref="RotorException"/> whose message names the answer ("Oracle SBC
/// answered 400: ...") and never the password or the token.
/// </summary>
public sealed partial class OracleSbcTarget
{
    /// <summary>Most of an answer Rotor reads: certificates and requests are a few KiB, error texts less.</summary>
    internal const int MaxAnswerBytes = 1024 * 1024;

    private string Rest => $"/rest/{Core.Resources.OracleSbcTargetSpec.RestApiVersion}";

    /// <summary>An answer: its status and body.</summary>
    private sealed record Answer(int Status, byte[] Body)
    {
        public bool Ok => Status is >= 200 and < 300;
        public string Text => Encoding.UTF8.GetString(Body);
    }

    /// <summary>The token of this target's session; the configuration lock is tied to it.</summary>
    private string? _token;

    /// <summary>The password, kept only to censor it should an answer echo it.</summary>
    private string _password = "";

    private static HttpContent Xml(string xml)
    {
        var body = new ByteArrayContent(Encoding.UTF8.GetBytes(xml));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        return body;
    }

    private static HttpContent Empty() => new ByteArrayContent([]);

    /// <summary>A request that must succeed (2xx); anything else throws the failure its status means.</summary>
    private async Task<Answer> CallAsync(HttpMethod method, string pathAndQuery, Func<HttpContent?> content, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(method, pathAndQuery, content, cancellationToken);
        return answer.Ok ? answer : throw AnswerFailure(method, pathAndQuery, answer);
    }

    /// <summary>
    /// Sends with the session's bearer token (asking for one first if there is none); on 401 asks
    /// once for a new token and sends again. Returns every answer; throws only when none came.
    /// </summary>
    private async Task<Answer> SendAsync(HttpMethod method, string pathAndQuery, Func<HttpContent?> content, CancellationToken cancellationToken)
    {
        var token = _token ?? await TokenAsync(cancellationToken);
        var answer = await SendOnceAsync(method, pathAndQuery, content, new AuthenticationHeaderValue("Bearer", token), cancellationToken);
        if (answer.Status != 401) return answer;
        OracleSbcLog.TokenRenewed(logger, name, method.Method, PathOnly(pathAndQuery));
        token = await TokenAsync(cancellationToken);
        return await SendOnceAsync(method, pathAndQuery, content, new AuthenticationHeaderValue("Bearer", token), cancellationToken);
    }

    /// <summary>
    /// <c>POST /rest/v1.2/auth/token</c> with Basic credentials: the <c>accessToken</c> of the answer's
    /// <c>data</c> (Oracle's "Quick Start", Task 2,
    /// docs.oracle.com/en/industries/communications/session-border-controller/8.4.0/rest/quick-start.html).
    /// </summary>
    private async Task<string> TokenAsync(CancellationToken cancellationToken)
    {
        var value = await SecretResolver.ResolveAsync(spec.CredentialsRef, manifestDirectory, cancellationToken);
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == value.Length - 1)
        {
            throw Failure(RotorReasons.TargetMisconfigured, transient: false, $"credentialsRef {spec.CredentialsRef} must hold user:password");
        }
        _password = value[(colon + 1)..];
        var path = $"{Rest}/auth/token";
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(value)));
        var answer = await SendOnceAsync(HttpMethod.Post, path, Empty, basic, cancellationToken);
        if (!answer.Ok) throw AnswerFailure(HttpMethod.Post, path, answer);
        var token = OracleXml.Values(answer.Body, "accessToken").FirstOrDefault(t => t.Trim().Length > 0)?.Trim()
            ?? throw Failure(RotorReasons.OracleSbcRejected, transient: true, $"POST {path}: the answer carries no accessToken");
        _token = token;
        return token;
    }

    private async Task<Answer> SendOnceAsync(HttpMethod method, string pathAndQuery, Func<HttpContent?> content, AuthenticationHeaderValue authorization, CancellationToken cancellationToken)
    {
        var http = OracleSbcHttp.ClientFor(spec, manifestDirectory, name);
        using var request = new HttpRequestMessage(method, new Uri(spec.Url + pathAndQuery)) { Content = content() };
        request.Headers.Authorization = authorization;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/xml"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(spec.Timeout);
        var path = PathOnly(pathAndQuery);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return new Answer((int)response.StatusCode, await IO.HttpAnswer.ReadBoundedAsync(response, MaxAnswerBytes, timeout.Token));
        }
        catch (HttpRequestException e)
        {
            var why = e.HttpRequestError == HttpRequestError.SecureConnectionError
                ? "the TLS handshake failed: is the SBC's management certificate signed by a CA in caBundle?"
                : e.HttpRequestError.ToString();
            throw Failure(RotorReasons.OracleSbcUnavailable, transient: true, $"{method} {path}: no answer from {spec.Url} ({why})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure(RotorReasons.OracleSbcUnavailable, transient: true, $"{method} {path}: no answer from {spec.Url} within {spec.Timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>The path without its query, for messages (the query holds record names only, but paths read better).</summary>
    private static string PathOnly(string pathAndQuery) => pathAndQuery.Split('?', 2)[0];

    private RotorException AnswerFailure(HttpMethod method, string pathAndQuery, Answer answer)
    {
        var text = Describe(answer.Body, _password, _token);
        var said = $"{method} {PathOnly(pathAndQuery)}: Oracle SBC answered {answer.Status}" + (text.Length > 0 ? $": {text}" : "");
        return answer.Status switch
        {
            401 => Failure(RotorReasons.OracleSbcAuthFailed, transient: false, $"{said} (the credentials in credentialsRef {spec.CredentialsRef} were refused)"),
            403 => Failure(RotorReasons.OracleSbcAuthFailed, transient: false, $"{said} (the user of credentialsRef {spec.CredentialsRef} needs administrator privileges)"),
            404 => Failure(RotorReasons.TargetMisconfigured, transient: false, $"{said} (does the SBC have the configuration element this target names, and is {spec.Url} its REST API?)"),
            423 => Failure(RotorReasons.OracleSbcLocked, transient: true, $"{said} (the configuration lock; tried again later)"),
            426 => Failure(RotorReasons.TargetMisconfigured, transient: false, $"{said} (the SBC takes HTTPS only)"),
            >= 500 => Failure(RotorReasons.OracleSbcUnavailable, transient: true, said),
            _ => Failure(RotorReasons.OracleSbcRejected, transient: false, said),
        };
    }

    private RotorException Failure(string reason, bool transient, string message) =>
        new($"oracleSbc target '{name}': {message}", transient) { Reason = reason };


    /// <summary>
    /// What an answer said, for a message: the text under <c>messages</c> of the documented
    /// <c>response</c> envelope (its <c>errorMessage</c>: "Get the status of last asynchronous request",
    /// docs.oracle.com/en/industries/communications/session-border-controller/8.3.0/rest/op-rest-version-admin-asyncstatus-get.html,
    /// 400/401/403/404 Response; any other element under <c>messages</c> is read the same way), else
    /// the body's text; printable, at most 200 characters, with the password and the token censored
    /// should the SBC echo either.
    /// </summary>
    internal static string Describe(byte[] body, string password, string? token)
    {
        var messages = OracleXml.TextUnder(body, "messages");
        var text = messages ?? (OracleXml.IsXml(body) ? "" : Encoding.UTF8.GetString(body));
        if (password.Length > 0) text = text.Replace(password, "***", StringComparison.Ordinal);
        if (token is { Length: > 0 }) text = text.Replace(token, "***", StringComparison.Ordinal);
        var printable = string.Join(' ', new string([.. text.Select(c => char.IsControl(c) ? ' ' : c)]).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return printable.Length <= 200 ? printable : printable[..200] + "…";
    }
}

/// <summary>
/// Bounded, total reading of the SBC's XML answers: no DTD, no external entities, at most
/// <see cref="OracleSbcTarget.MaxAnswerBytes"/> characters; a body that is not XML reads as empty.
/// </summary>
internal static class OracleXml
{
    private static XmlReader Reader(byte[] body) => XmlReader.Create(new MemoryStream(body), new XmlReaderSettings
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = OracleSbcTarget.MaxAnswerBytes,
        IgnoreComments = true,
    });

    public static bool IsXml(byte[] body)
    {
        try
        {
            using var reader = Reader(body);
            while (reader.Read()) { }
            return true;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    /// <summary>The text of every element named <paramref name="element"/> (one without child elements), in document order.</summary>
    public static IReadOnlyList<string> Values(byte[] body, string element)
    {
        var values = new List<string>();
        try
        {
            using var reader = Reader(body);
            reader.Read();
            while (!reader.EOF)
            {
                // ReadElementContentAsString moves past the element itself: no Read() after it.
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == element && !reader.IsEmptyElement) values.Add(reader.ReadElementContentAsString());
                else reader.Read();
            }
        }
        catch (XmlException)
        {
            // Not XML, or an element with children: what was read so far is what there is.
        }
        return values;
    }

    /// <summary>All text inside the first <paramref name="element"/>, joined with "; "; null when there is none.</summary>
    public static string? TextUnder(byte[] body, string element)
    {
        try
        {
            using var reader = Reader(body);
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element || reader.LocalName != element || reader.IsEmptyElement) continue;
                var depth = reader.Depth;
                var parts = new List<string>();
                while (reader.Read() && reader.Depth > depth)
                {
                    if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA && reader.Value.Trim().Length > 0) parts.Add(reader.Value.Trim());
                }
                return parts.Count == 0 ? null : string.Join("; ", parts);
            }
        }
        catch (XmlException)
        {
            return null;
        }
        return null;
    }

    /// <summary>The value of a configElement's <c>attribute</c> whose name is <paramref name="attribute"/>.</summary>
    public static string? Attribute(byte[] body, string attribute)
    {
        try
        {
            using var reader = Reader(body);
            string? lastName = null;
            reader.Read();
            while (!reader.EOF)
            {
                if (reader.NodeType == XmlNodeType.Element && !reader.IsEmptyElement && reader.LocalName is "name" or "value")
                {
                    var isName = reader.LocalName == "name";
                    var text = reader.ReadElementContentAsString().Trim();
                    if (isName) lastName = text;
                    else if (lastName == attribute) return text;
                    continue;
                }
                reader.Read();
            }
        }
        catch (XmlException)
        {
            return null;
        }
        return null;
    }

    public static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? "";
}
