using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rotor.Acme.Transport;

/// <summary>
/// Reads server JSON so that nothing but <see cref="AcmeException"/> comes out of it: the
/// document is checked whole when parsed (System.Text.Json builds objects and strings lazily, so
/// a duplicate key or broken UTF-8 would otherwise surface later as ArgumentException or
/// InvalidOperationException), and every field is read through a typed accessor that names the
/// field when its type, length or count is wrong.
/// </summary>
internal static class AcmeJson
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>The body as a JSON object; <paramref name="what"/> names the document in errors.</summary>
    public static JsonObject ParseObject(ReadOnlySpan<byte> body, string what)
    {
        if (body.StartsWith(Utf8Bom)) body = body[Utf8Bom.Length..];
        JsonNode? node;
        try
        {
            // MaxDepth 64 (the default) bounds nesting, and with it the recursion below.
            node = JsonNode.Parse(body);
            Materialize(node);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw AcmeException.Malformed($"{what} is not valid JSON ({AcmeLimits.Quote(e.Message, 200)})", e);
        }
        return node as JsonObject
            ?? throw AcmeException.Malformed($"{what} is {Kind(node)} where a JSON object belongs");
    }

    /// <summary>Builds every object and string now, so that malformed content fails here.</summary>
    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, value) in o) Materialize(value);
                break;
            case JsonArray a:
                foreach (var item in a) Materialize(item);
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                _ = v.GetValue<string>();
                break;
        }
    }

    public static string? String(JsonObject o, string name, string what, int maxLength = AcmeLimits.MaxTokenLength) =>
        AsString(o[name], name, what, maxLength);

    public static string? AsString(JsonNode? node, string name, string what, int maxLength = AcmeLimits.MaxTokenLength)
    {
        if (node is null) return null;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            throw AcmeException.Malformed($"{what}: '{name}' is {Kind(node)}, not a string");
        }
        var s = v.GetValue<string>();
        return s.Length <= maxLength ? s : throw AcmeException.Malformed($"{what}: '{name}' is longer than {maxLength} characters");
    }

    public static bool? Bool(JsonObject o, string name, string what) => o[name] switch
    {
        null => null,
        var n when n.GetValueKind() == JsonValueKind.True => true,
        var n when n.GetValueKind() == JsonValueKind.False => false,
        var n => throw AcmeException.Malformed($"{what}: '{name}' is {Kind(n)}, not true or false"),
    };

    public static JsonObject? Object(JsonObject o, string name, string what) => o[name] switch
    {
        null => null,
        JsonObject inner => inner,
        var n => throw AcmeException.Malformed($"{what}: '{name}' is {Kind(n)}, not an object"),
    };

    /// <summary>The array, or empty when absent; more than <paramref name="maxCount"/> entries is malformed.</summary>
    public static JsonArray Array(JsonObject o, string name, string what, int maxCount) => o[name] switch
    {
        null => [],
        JsonArray a when a.Count <= maxCount => a,
        JsonArray a => throw AcmeException.Malformed($"{what}: '{name}' has {a.Count} entries (at most {maxCount} are accepted)"),
        var n => throw AcmeException.Malformed($"{what}: '{name}' is {Kind(n)}, not an array"),
    };

    /// <summary>An http(s) URL, resolved against <paramref name="baseUri"/>; null when absent.</summary>
    public static Uri? Url(JsonObject o, string name, Uri baseUri, string what) =>
        String(o, name, what, AcmeLimits.MaxUrlLength) is { } s ? AcmeUrl.Resolve(baseUri, s, $"{what}: '{name}'") : null;

    /// <summary>An RFC 3339 timestamp; null when absent.</summary>
    public static DateTimeOffset? Time(JsonObject o, string name, string what)
    {
        if (String(o, name, what) is not { } s) return null;
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw AcmeException.Malformed($"{what}: '{name}' is not a timestamp ('{AcmeLimits.Quote(s, 64)}')");
    }

    public static string Kind(JsonNode? node) => node is null ? "null" : node.GetValueKind() switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}

/// <summary>URLs from a server: only absolute http or https URLs of bounded length are followed.</summary>
internal static class AcmeUrl
{
    /// <summary>
    /// The URL, or null when it is empty, too long, unparsable or of another scheme (a file: or
    /// ftp: URL would make HttpClient throw NotSupportedException, and must never be fetched).
    /// </summary>
    public static Uri? TryResolve(Uri? baseUri, string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > AcmeLimits.MaxUrlLength) return null;
        var ok = baseUri is null ? Uri.TryCreate(value, UriKind.Absolute, out var uri) : Uri.TryCreate(baseUri, value, out uri);
        return ok && uri is { IsAbsoluteUri: true } && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && uri.Host.Length > 0
            ? uri
            : null;
    }

    public static Uri Resolve(Uri? baseUri, string value, string what) =>
        TryResolve(baseUri, value) ?? throw AcmeException.Malformed($"{what} is not an http or https URL ('{AcmeLimits.Quote(value, 200)}')");
}
