using System.Net;
using System.Text.Json.Nodes;

namespace Rotor.Acme.Transport;

/// <summary>A successful ACME response: status, Location, links, Retry-After, and the body.</summary>
public sealed record AcmeResponse(
    HttpStatusCode Status,
    Uri? Location,
    IReadOnlyList<(Uri Uri, string Rel)> Links,
    TimeSpan? RetryAfter,
    string ContentType,
    byte[] Body)
{
    public JsonObject Json() => JsonNode.Parse(Body) as JsonObject ?? throw new AcmeException("ACME server answered with JSON that is not an object");

    public IEnumerable<Uri> LinksOf(string rel) => Links.Where(l => l.Rel == rel).Select(l => l.Uri);
}
