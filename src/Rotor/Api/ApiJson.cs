using System.Text.Json;
using System.Text.Json.Serialization;
using Rotor.Api.Auth;
using Rotor.Cli;
using Rotor.Core.Abstractions;
using Rotor.Core.Alerts;

namespace Rotor.Api;

// The operator API's JSON, one record per shape; metadata generated at build time (ApiJsonContext)
// so the Native AOT executable serves the same JSON as the JIT one. camelCase, enums by name,
// null members left out, as the CLI's -o json (whose records the API shares, so a remote CLI
// prints what a local one does).

public sealed record TokenCreateRequest(string? Name, string? Role);

/// <summary>The answer to a token creation: the only response that ever carries a token.</summary>
public sealed record TokenCreatedJson(string Name, string Role, string Token);

/// <summary>A page of a list; <c>next</c> is the link to the following page (absent on the last).</summary>
internal sealed record CertificatePageJson(IReadOnlyList<CertificateRowJson> Items, string? Next);

/// <summary>A stored resource; <c>type</c> is what <c>rotor get</c> shows as KIND (an issuer's or target's own kind, e.g. Ca, File).</summary>
internal sealed record ResourceJson(string Kind, string Type, string Name, long Generation, string Source, DateTimeOffset Updated, string ETag, JsonElement? Spec);

internal sealed record ResourcePageJson(IReadOnlyList<ResourceJson> Items, string? Next);

internal sealed record ApplyOutcomeJson(string Kind, string Name, string Outcome, long Generation, string? ETag);

internal sealed record ApplyResultJson(bool DryRun, IReadOnlyList<ApplyOutcomeJson> Resources);

internal sealed record ActionResultJson(string Name, string Action, string Message);

internal sealed record EventItemJson(long Id, DateTimeOffset At, string Kind, string Name, EventType Type, string Reason, string Message);

internal sealed record EventPageJson(IReadOnlyList<EventItemJson> Items, string? Next);

internal sealed record EndpointPageJson(IReadOnlyList<EndpointViewJson> Items, string? Next);

internal sealed record AlertItemJson(
    string Rule, AlertSeverity Severity, IReadOnlyDictionary<string, string> Labels, string Summary, string Description,
    DateTimeOffset FiringSince, DateTimeOffset? ResolvedAt);

internal sealed record AlertListJson(IReadOnlyList<AlertItemJson> Items);

internal sealed record ScanRunJson(string Scan, long? RunId, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, int Endpoints, int Reachable, JsonElement? Results);

internal sealed record ScanListJson(IReadOnlyList<ScanRunJson> Items);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(ApiProblemJson))]
[JsonSerializable(typeof(TokenCreateRequest))]
[JsonSerializable(typeof(TokenCreatedJson))]
[JsonSerializable(typeof(IReadOnlyList<ApiTokenInfo>))]
[JsonSerializable(typeof(CertificatePageJson))]
[JsonSerializable(typeof(CertificateViewJson))]
[JsonSerializable(typeof(ResourceJson))]
[JsonSerializable(typeof(ResourcePageJson))]
[JsonSerializable(typeof(ApplyResultJson))]
[JsonSerializable(typeof(ActionResultJson))]
[JsonSerializable(typeof(EventPageJson))]
[JsonSerializable(typeof(EndpointPageJson))]
[JsonSerializable(typeof(EndpointViewJson))]
[JsonSerializable(typeof(AlertListJson))]
[JsonSerializable(typeof(ScanListJson))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
