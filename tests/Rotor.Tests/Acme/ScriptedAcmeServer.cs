using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Rotor.Tests.Acme;

/// <summary>
/// An ACME server for unit tests, as an HttpMessageHandler: the directory and newNonce are
/// answered here, every other path by <see cref="Answer"/>; every answer carries a fresh nonce.
/// </summary>
internal abstract class ScriptedAcmeServer : HttpMessageHandler
{
    private int _nonce;

    /// <summary>"METHOD /path" of every request, in order.</summary>
    public List<string> Requests { get; } = [];

    protected abstract HttpResponseMessage Answer(string path);

    protected sealed override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        lock (Requests) Requests.Add($"{request.Method} {path}");
        var response = path switch
        {
            "/dir" => Json(HttpStatusCode.OK, """
                {"newNonce":"https://acme.test/nonce","newAccount":"https://acme.test/account","newOrder":"https://acme.test/new-order"}
                """),
            "/nonce" => new HttpResponseMessage(HttpStatusCode.OK),
            _ => Answer(path),
        };
        response.Headers.Add("Replay-Nonce", "nonce-" + Interlocked.Increment(ref _nonce));
        response.RequestMessage = request;
        return Task.FromResult(response);
    }

    protected static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    /// <summary>An RFC 7807 problem of type urn:ietf:params:acme:error:<paramref name="type"/>.</summary>
    protected static HttpResponseMessage Problem(HttpStatusCode status, string type, string detail)
    {
        var response = Json(status, $$"""{"type":"urn:ietf:params:acme:error:{{type}}","detail":"{{detail}}"}""");
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/problem+json");
        return response;
    }
}
