using System.Text.Json.Serialization;

namespace Rotor.AcmeServer;

// The ACME server's wire objects (RFC 8555 7.1), serialized through build-time metadata only
// (AcmeServerJsonContext), so the Native AOT executable answers exactly as the JIT one.
// Requests are read with JsonDocument (bounded, no binding), answers are written from these.

internal sealed record DirectoryJson(
    string NewNonce, string NewAccount, string NewOrder, string RevokeCert, string KeyChange, DirectoryMetaJson Meta);

internal sealed record DirectoryMetaJson(bool ExternalAccountRequired);

internal sealed record AccountJson(string Status, IReadOnlyList<string>? Contact, string Orders)
{
    public bool? TermsOfServiceAgreed { get; init; }
}

internal sealed record OrdersListJson(IReadOnlyList<string> Orders);

internal sealed record IdentifierJson(string Type, string Value);

internal sealed record OrderJson(
    string Status, string Expires, IReadOnlyList<IdentifierJson> Identifiers, IReadOnlyList<string> Authorizations, string Finalize)
{
    public string? NotBefore { get; init; }
    public string? NotAfter { get; init; }
    public string? Certificate { get; init; }
    public ProblemJson? Error { get; init; }
}

internal sealed record ChallengeJson(string Type, string Url, string Status, string Token)
{
    public string? Validated { get; init; }
    public ProblemJson? Error { get; init; }
}

internal sealed record AuthorizationJson(IdentifierJson Identifier, string Status, string Expires, IReadOnlyList<ChallengeJson> Challenges)
{
    public bool? Wildcard { get; init; }
}

internal sealed record ProblemJson(string Type, string Detail)
{
    public int? Status { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DirectoryJson))]
[JsonSerializable(typeof(AccountJson))]
[JsonSerializable(typeof(OrdersListJson))]
[JsonSerializable(typeof(OrderJson))]
[JsonSerializable(typeof(AuthorizationJson))]
[JsonSerializable(typeof(ChallengeJson))]
[JsonSerializable(typeof(ProblemJson))]
internal sealed partial class AcmeServerJsonContext : JsonSerializerContext;
