using System.Text.Json.Serialization;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;
using Rotor.Core.Validation;
using Rotor.Scheduling;

namespace Rotor.Cli;

// What `-o json` prints, one record per shape. Property names become camelCase; enums print as
// their names; null members are left out. The metadata is generated at build time
// (CliJsonContext), so the Native AOT executable prints the same JSON as the JIT one.

internal sealed record InitJson(string DataDirectory, string Root, string Subject, string Sha256, bool Created);

internal sealed record VerifyJson(bool Passed, IReadOnlyList<RuleResult> Results);

internal sealed record CertificateRowJson(
    string Name, bool Ready, string Issuer, DateTimeOffset? NotAfter, DateTimeOffset? RenewalAt,
    DateTimeOffset? NextAttempt, string? LastFailure, long Generation);

internal sealed record ResourceRowJson(string Name, string Kind, long Generation, string Source, DateTimeOffset Updated);

internal sealed record CertificateViewJson
{
    public required string Name { get; init; }
    public long Generation { get; init; }
    public required string Issuer { get; init; }
    public required IReadOnlyList<string> Names { get; init; }
    public required string Key { get; init; }
    public RotationPolicy RotationPolicy { get; init; }
    public required string Duration { get; init; }
    public bool Ready { get; init; }
    public DateTimeOffset? NotAfter { get; init; }
    public DateTimeOffset? RenewalAt { get; init; }
    public DateTimeOffset? NextReconcile { get; init; }
    public int Failures { get; init; }
    public string? LastFailure { get; init; }
    public bool RenewRequested { get; init; }
    public bool RenewNow { get; init; }
    public CmpStateJson? Cmp { get; init; }
    public required IReadOnlyList<VersionJson> Versions { get; init; }
    public required IReadOnlyList<RotationJson> Rotations { get; init; }
    public required IReadOnlyList<EventJson> Events { get; init; }
}

internal sealed record CmpStateJson(
    string? Request, string? State, string? Server, string? TransactionId, string? PkiStatus, string? FailInfo,
    string? StatusText, string? Error, int Polls, DateTimeOffset? NextPollAt, bool ImplicitlyConfirmed,
    DateTimeOffset At, DateTimeOffset? NextAttempt);

/// <summary>A version: <c>version</c> is its number within the certificate (what people read and type), <c>id</c> the store's key.</summary>
internal sealed record VersionJson(
    long Version, long Id, VersionState State, string Serial, string Sha256, DateTimeOffset NotBefore, DateTimeOffset NotAfter, long Generation);

/// <summary>A version's rotation on one target; <c>version</c> is the version's number within the certificate.</summary>
internal sealed record RotationJson(
    long Version, string Target, RotationState State, int Wave, string? Detail, GateJson? Gate,
    DateTimeOffset? NextStep, DateTimeOffset? DrainUntil, DateTimeOffset Updated);

internal sealed record GateJson(int Successes, int Probes, int Unreachable, bool Passed, string? LastError)
{
    /// <summary>Successful probes in percent of the probes that reached the endpoint.</summary>
    public double? SuccessRate { get; init; }
    public double? HandshakeP50Ms { get; init; }
    public double? HandshakeP95Ms { get; init; }
}

internal sealed record EventJson(DateTimeOffset At, EventType Type, string Reason, string Message);

internal sealed record TargetViewJson(
    string Name, string Kind, long Generation, string Source, System.Text.Json.JsonElement Settings, IReadOnlyList<TargetDeploymentJson> Certificates);

/// <summary>One certificate deployed to a target: its binding, and the newest rotation record of its versions there (none before its first rollout).</summary>
internal sealed record TargetDeploymentJson(
    string Certificate, DeployRole Role, string? Path, IReadOnlyList<string> Endpoints, long? Version, string? Serial, string? Sha256,
    RotationState? State, string? Detail, DateTimeOffset? Updated);

internal sealed record EndpointViewJson(
    string Name, string Host, int Port, string? Sni, bool Sip, long Generation, string Source,
    IReadOnlyList<EndpointUseJson> ProbedFor, EndpointProbeJson? LastProbe);

internal sealed record EndpointUseJson(string Certificate, string Target);

internal sealed record EndpointProbeJson(
    DateTimeOffset At, string? Certificate, bool Success, ProbeFailure Failure, string? Sha256, bool ChainTrusted, int? SipStatus,
    double? HandshakeMs, string? Error);

internal sealed record ProbeRunJson(
    string Endpoint, string? Sni, bool Sip, string? Trust, IReadOnlyList<ProbeLineJson> Probes, ProbeSummaryJson Summary);

internal sealed record ProbeSummaryJson(
    int Count, int Successes, int Failures, ProbeLatencyJson HandshakeMs, double? ElapsedMs, double? ProbesPerSecond);

internal sealed record ProbeLatencyJson(double? P50, double? P95, double? Max);

internal sealed record ProbeLineJson(
    int Seq, bool Success, string? Failure, bool ChainTrusted, string? Sha256, string? Subject, string? Issuer,
    string? NotBefore, string? NotAfter, IReadOnlyList<ChainCertificateJson> Chain, int? SipStatus, double? ConnectMs,
    double? HandshakeMs, double? SipMs, string? Error);

/// <summary>A new EAB key of the ACME server, as ACME clients name its parts (keyID, hmacKey).</summary>
internal sealed record EabKeyJson(
    [property: JsonPropertyName("keyID")] string KeyId,
    [property: JsonPropertyName("hmacKey")] string HmacKey);

/// <summary>A certificate Rotor's ACME server issued: who asked, from where, for what, until when.</summary>
internal sealed record AcmeServerCertificateJson(
    string Server, string Serial, IReadOnlyList<string> Names, string Account, string ClientAddress,
    DateTimeOffset IssuedAt, DateTimeOffset NotAfter, DateTimeOffset? RevokedAt, string Source);

internal sealed record ChainCertificateJson(string Subject, string Issuer, string Sha256, string NotAfter);

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(InitJson))]
[JsonSerializable(typeof(VerifyJson))]
[JsonSerializable(typeof(List<CertificateRowJson>))]
[JsonSerializable(typeof(List<ResourceRowJson>))]
[JsonSerializable(typeof(CertificateViewJson))]
[JsonSerializable(typeof(IReadOnlyList<EventRecord>))]
[JsonSerializable(typeof(PassResult))]
[JsonSerializable(typeof(ProbeRunJson))]
[JsonSerializable(typeof(TargetViewJson))]
[JsonSerializable(typeof(EndpointViewJson))]
[JsonSerializable(typeof(IReadOnlyList<Rotor.Api.Auth.ApiTokenInfo>))]
[JsonSerializable(typeof(EabKeyJson))]
[JsonSerializable(typeof(IReadOnlyList<Rotor.AcmeServer.EabKeys.Listed>))]
[JsonSerializable(typeof(List<AcmeServerCertificateJson>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
