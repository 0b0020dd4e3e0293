using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rotor.Acme.Transport;

/// <summary>
/// Turns the parts of an HTTP response into what the client uses, within
/// <see cref="AcmeLimits"/>: the body read up to a size, the problem document of an error,
/// the Link header and Location. Nothing here throws anything but <see cref="AcmeException"/>
/// (or the I/O exceptions of reading, which <see cref="AcmeHttp"/> maps).
/// </summary>
internal static class AcmeResponseReader
{
    /// <summary>The body, or null when it is larger than <paramref name="limit"/> (then read no further).</summary>
    public static async Task<byte[]?> ReadBoundedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > limit) return null;
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// The error as an <see cref="AcmeException"/>. A body that is not a problem document (a
    /// proxy's HTML page, broken JSON, fields of the wrong type) is passed over: the status
    /// alone then says what happened and whether it is transient.
    /// </summary>
    public static AcmeException Problem(HttpStatusCode status, string contentType, byte[]? body, TimeSpan? retryAfter, Uri? url)
    {
        string? type = null;
        var detail = "";
        var subproblems = new List<AcmeSubproblem>();
        if (body is not null && contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var problem = AcmeJson.ParseObject(body, "problem document");
                type = Short(Text(problem["type"], AcmeLimits.MaxTokenLength));
                detail = AcmeLimits.Quote(Text(problem["detail"], int.MaxValue));
                if (problem["subproblems"] is JsonArray subs)
                {
                    foreach (var s in subs.OfType<JsonObject>().Take(AcmeLimits.MaxSubproblems))
                    {
                        var identifier = s["identifier"] is JsonObject id ? Text(id["value"], AcmeLimits.MaxTokenLength) : null;
                        var subDetail = Text(s["detail"], int.MaxValue);
                        subproblems.Add(new AcmeSubproblem(Short(Text(s["type"], AcmeLimits.MaxTokenLength)),
                            subDetail is null ? null : AcmeLimits.Quote(subDetail, 200), identifier is null ? null : AcmeLimits.Quote(identifier, 100)));
                    }
                }
            }
            catch (AcmeException)
            {
            }
        }
        var text = $"ACME {AcmeLimits.Quote(type ?? "error", 100)} (HTTP {(int)status}) from {url?.AbsolutePath}: {detail}".TrimEnd(' ', ':');
        if (subproblems.Count > 0) text += "; " + string.Join("; ", subproblems.Select(s => $"{s.Identifier}: {AcmeLimits.Quote(s.Type, 100)} {s.Detail}"));
        if (retryAfter is { } ra) text += $" (retry after {ra.TotalSeconds:0}s)";
        return new AcmeException(text, type, status, AcmeException.IsTransientProblem(type, status), retryAfter, subproblems);
    }

    /// <summary>A string field of a problem document; anything else counts as absent.</summary>
    private static string? Text(JsonNode? node, int maxLength) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { } s && s.Length <= maxLength ? s : null;

    /// <summary>
    /// The problem type without the ACME URN prefix. Callers branch on it and name events after
    /// it, so a type that is not a plain token of visible ASCII (RFC 7807 types are URIs) counts
    /// as absent, as does an empty one.
    /// </summary>
    internal static string? Short(string? type)
    {
        if (string.IsNullOrEmpty(type) || type.Length > AcmeLimits.MaxTokenLength || type.Any(c => c is < '!' or > '~')) return null;
        return type.StartsWith(AcmeException.ProblemPrefix, StringComparison.Ordinal) ? type[AcmeException.ProblemPrefix.Length..] : type;
    }

    /// <summary>The Location header as an absolute http(s) URL; anything else counts as absent.</summary>
    public static Uri? Location(HttpResponseMessage response) =>
        response.Headers.Location is { } location ? AcmeUrl.TryResolve(response.RequestMessage?.RequestUri, location.OriginalString) : null;

    /// <summary>
    /// The Link header entries (RFC 8288) with an http(s) target and a rel, at most
    /// <see cref="AcmeLimits.MaxLinks"/>; malformed entries are skipped (links are hints: up,
    /// index, alternate).
    /// </summary>
    public static List<(Uri, string)> Links(HttpResponseMessage response)
    {
        var links = new List<(Uri, string)>();
        if (!response.Headers.TryGetValues("Link", out var values)) return links;
        foreach (var v in values.SelectMany(SplitLinks))
        {
            if (links.Count == AcmeLimits.MaxLinks) break;
            if (ParseLink(v, response.RequestMessage?.RequestUri) is { } link) links.Add(link);
        }
        return links;
    }

    private static IEnumerable<string> SplitLinks(string header)
    {
        // Link: <a>;rel="x", <b>;rel="y" — commas inside <...> do not split.
        var depth = 0;
        var start = 0;
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i] == '<') depth++;
            else if (header[i] == '>') depth--;
            else if (header[i] == ',' && depth == 0)
            {
                yield return header[start..i];
                start = i + 1;
            }
        }
        yield return header[start..];
    }

    private static (Uri, string)? ParseLink(string value, Uri? baseUri)
    {
        var open = value.IndexOf('<', StringComparison.Ordinal);
        var close = value.IndexOf('>', StringComparison.Ordinal);
        if (open < 0 || close < open) return null;
        var target = value[(open + 1)..close];
        var relIndex = value.IndexOf("rel=", close, StringComparison.OrdinalIgnoreCase);
        if (relIndex < 0) return null;
        var rel = value[(relIndex + 4)..].Trim().Trim('"');
        var semicolon = rel.IndexOf(';', StringComparison.Ordinal);
        if (semicolon >= 0) rel = rel[..semicolon].Trim('"');
        if (rel.Length is 0 || rel.Length > AcmeLimits.MaxTokenLength) return null;
        return AcmeUrl.TryResolve(baseUri, target) is { } uri ? (uri, rel) : null;
    }
}
