using System.Text.Json.Nodes;
using Rotor.Acme.Transport;

namespace Rotor.Acme.Orders;

// The Parse methods read server JSON only through AcmeJson: a field of the wrong type, an
// unusable URL or too many entries is an AcmeException (malformedResponse) that names the field.

/// <summary>An identifier of an order: <c>dns</c> or <c>ip</c> (RFC 8738).</summary>
public sealed record AcmeIdentifier(string Type, string Value)
{
    public static AcmeIdentifier Dns(string name) => new("dns", name);
    public static AcmeIdentifier Ip(string address) => new("ip", address);

    public JsonObject ToJson() => new() { ["type"] = Type, ["value"] = Value };

    public static AcmeIdentifier FromJson(JsonNode? node, string what = "identifier") => node switch
    {
        null => new("dns", ""),
        JsonObject o => new(AcmeJson.String(o, "type", what) ?? "dns", AcmeJson.String(o, "value", what) ?? ""),
        _ => throw AcmeException.Malformed($"{what} is {AcmeJson.Kind(node)}, not an object"),
    };

    public override string ToString() => $"{Type}:{Value}";
}

/// <summary>A problem document embedded in an order, authorization or challenge.</summary>
public sealed record AcmeProblemInfo(string? Type, string? Detail)
{
    /// <summary>The problem, or null when there is none. Only informs messages, so fields of the wrong type are left out.</summary>
    public static AcmeProblemInfo? FromJson(JsonNode? node) => node is JsonObject o
        ? new AcmeProblemInfo(AcmeHttp.Short(Text(o["type"], AcmeLimits.MaxTokenLength)), Text(o["detail"], int.MaxValue) is { } d ? AcmeLimits.Quote(d) : null)
        : null;

    private static string? Text(JsonNode? node, int maxLength) =>
        node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String && v.GetValue<string>() is { } s && s.Length <= maxLength ? s : null;

    public override string ToString() => $"{AcmeLimits.Quote(Type, 100)}: {Detail}";
}

public sealed record AcmeOrder(
    Uri Url,
    string Status,
    IReadOnlyList<AcmeIdentifier> Identifiers,
    IReadOnlyList<Uri> Authorizations,
    Uri Finalize,
    Uri? Certificate,
    DateTimeOffset? Expires,
    AcmeProblemInfo? Error)
{
    public static AcmeOrder Parse(Uri url, JsonObject o)
    {
        var what = $"the order at {url.AbsolutePath}";
        return new(
            url,
            AcmeJson.String(o, "status", what) ?? "unknown",
            AcmeJson.Array(o, "identifiers", what, AcmeLimits.MaxIdentifiers).Select((i, n) => AcmeIdentifier.FromJson(i, $"{what}: identifier {n}")).ToList(),
            AcmeJson.Array(o, "authorizations", what, AcmeLimits.MaxAuthorizations)
                .Select((a, n) => AcmeUrl.Resolve(url, AcmeJson.AsString(a, $"authorizations[{n}]", what, AcmeLimits.MaxUrlLength) ?? "", $"{what}: authorization {n}"))
                .ToList(),
            AcmeJson.Url(o, "finalize", url, what) ?? throw AcmeException.Malformed($"{what} has no finalize URL"),
            AcmeJson.Url(o, "certificate", url, what),
            AcmeJson.Time(o, "expires", what),
            AcmeProblemInfo.FromJson(o["error"]));
    }
}

public sealed record AcmeChallenge(Uri Url, string Type, string Status, string Token, AcmeProblemInfo? Error)
{
    public static AcmeChallenge Parse(Uri baseUri, JsonObject o, string? what = null)
    {
        what ??= $"the challenge from {baseUri.AbsolutePath}";
        return new(
            AcmeJson.Url(o, "url", baseUri, what) ?? throw AcmeException.Malformed($"{what} has no url"),
            AcmeJson.String(o, "type", what) ?? "",
            AcmeJson.String(o, "status", what) ?? "pending",
            AcmeJson.String(o, "token", what) ?? "",
            AcmeProblemInfo.FromJson(o["error"]));
    }
}

public sealed record AcmeAuthorization(Uri Url, AcmeIdentifier Identifier, string Status, bool Wildcard, IReadOnlyList<AcmeChallenge> Challenges)
{
    public static AcmeAuthorization Parse(Uri url, JsonObject o)
    {
        var what = $"the authorization at {url.AbsolutePath}";
        return new(
            url,
            AcmeIdentifier.FromJson(o["identifier"], $"{what}: identifier"),
            AcmeJson.String(o, "status", what) ?? "pending",
            AcmeJson.Bool(o, "wildcard", what) ?? false,
            AcmeJson.Array(o, "challenges", what, AcmeLimits.MaxChallenges)
                .OfType<JsonObject>().Select((c, n) => AcmeChallenge.Parse(url, c, $"{what}: challenge {n}")).ToList());
    }

    /// <summary>The first problem any challenge reported, for a clear failure message.</summary>
    public AcmeProblemInfo? Error => Challenges.Select(c => c.Error).FirstOrDefault(e => e is not null);
}

public sealed record AcmeAccount(Uri Url, string Status, IReadOnlyList<string> Contact);
