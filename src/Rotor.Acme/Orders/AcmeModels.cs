using System.Text.Json.Nodes;

namespace Rotor.Acme.Orders;

/// <summary>An identifier of an order: <c>dns</c> or <c>ip</c> (RFC 8738).</summary>
public sealed record AcmeIdentifier(string Type, string Value)
{
    public static AcmeIdentifier Dns(string name) => new("dns", name);
    public static AcmeIdentifier Ip(string address) => new("ip", address);

    public JsonObject ToJson() => new() { ["type"] = Type, ["value"] = Value };

    public static AcmeIdentifier FromJson(JsonNode? node) =>
        new(node?["type"]?.GetValue<string>() ?? "dns", node?["value"]?.GetValue<string>() ?? "");

    public override string ToString() => $"{Type}:{Value}";
}

/// <summary>A problem document embedded in an order, authorization or challenge.</summary>
public sealed record AcmeProblemInfo(string? Type, string? Detail)
{
    public static AcmeProblemInfo? FromJson(JsonNode? node) => node is JsonObject o
        ? new AcmeProblemInfo(Transport.AcmeHttp.Short(o["type"]?.GetValue<string>()), o["detail"]?.GetValue<string>())
        : null;

    public override string ToString() => $"{Type}: {Detail}";
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
    public static AcmeOrder Parse(Uri url, JsonObject o) => new(
        url,
        o["status"]?.GetValue<string>() ?? "unknown",
        (o["identifiers"] as JsonArray ?? []).Select(AcmeIdentifier.FromJson).ToList(),
        (o["authorizations"] as JsonArray ?? []).Select(a => new Uri(url, a!.GetValue<string>())).ToList(),
        new Uri(url, o["finalize"]?.GetValue<string>() ?? throw new Transport.AcmeException("order without finalize URL")),
        o["certificate"]?.GetValue<string>() is { } c ? new Uri(url, c) : null,
        o["expires"]?.GetValue<string>() is { } e ? DateTimeOffset.Parse(e, System.Globalization.CultureInfo.InvariantCulture) : null,
        AcmeProblemInfo.FromJson(o["error"]));
}

public sealed record AcmeChallenge(Uri Url, string Type, string Status, string Token, AcmeProblemInfo? Error)
{
    public static AcmeChallenge Parse(Uri baseUri, JsonObject o) => new(
        new Uri(baseUri, o["url"]?.GetValue<string>() ?? ""),
        o["type"]?.GetValue<string>() ?? "",
        o["status"]?.GetValue<string>() ?? "pending",
        o["token"]?.GetValue<string>() ?? "",
        AcmeProblemInfo.FromJson(o["error"]));
}

public sealed record AcmeAuthorization(Uri Url, AcmeIdentifier Identifier, string Status, bool Wildcard, IReadOnlyList<AcmeChallenge> Challenges)
{
    public static AcmeAuthorization Parse(Uri url, JsonObject o) => new(
        url,
        AcmeIdentifier.FromJson(o["identifier"]),
        o["status"]?.GetValue<string>() ?? "pending",
        o["wildcard"]?.GetValue<bool>() ?? false,
        (o["challenges"] as JsonArray ?? []).OfType<JsonObject>().Select(c => AcmeChallenge.Parse(url, c)).ToList());

    /// <summary>The first problem any challenge reported, for a clear failure message.</summary>
    public AcmeProblemInfo? Error => Challenges.Select(c => c.Error).FirstOrDefault(e => e is not null);
}

public sealed record AcmeAccount(Uri Url, string Status, IReadOnlyList<string> Contact);
