using System.Net;
using System.Text.Json.Nodes;

namespace Rotor.Acme.Transport;

/// <summary>
/// A successful ACME response: status, Location, links, Retry-After, and the body. The body is at
/// most <see cref="AcmeLimits.MaxJsonBytes"/> (<see cref="AcmeLimits.MaxChainBytes"/> for a
/// certificate chain); Location and links are absolute http(s) URLs; Retry-After is capped.
/// </summary>
public sealed record AcmeResponse(
    HttpStatusCode Status,
    Uri? Location,
    IReadOnlyList<(Uri Uri, string Rel)> Links,
    TimeSpan? RetryAfter,
    string ContentType,
    byte[] Body)
{
    /// <summary>The body as a JSON object, or an <see cref="AcmeException"/> naming <paramref name="what"/>.</summary>
    public JsonObject Json(string what = "the ACME server's answer") => AcmeJson.ParseObject(Body, what);

    public IEnumerable<Uri> LinksOf(string rel) => Links.Where(l => l.Rel == rel).Select(l => l.Uri);
}
