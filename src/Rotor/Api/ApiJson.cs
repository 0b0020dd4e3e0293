using System.Text.Json.Serialization;
using Rotor.Api.Auth;

namespace Rotor.Api;

// The operator API's JSON, one record per shape; metadata generated at build time (ApiJsonContext)
// so the Native AOT executable serves the same JSON as the JIT one. camelCase, enums by name,
// null members left out, as the CLI's -o json.

public sealed record TokenCreateRequest(string? Name, string? Role);

/// <summary>The answer to a token creation: the only response that ever carries a token.</summary>
public sealed record TokenCreatedJson(string Name, string Role, string Token);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(ApiProblemJson))]
[JsonSerializable(typeof(TokenCreateRequest))]
[JsonSerializable(typeof(TokenCreatedJson))]
[JsonSerializable(typeof(List<ApiTokenInfo>))]
[JsonSerializable(typeof(IReadOnlyList<ApiTokenInfo>))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
