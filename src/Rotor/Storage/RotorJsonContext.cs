using System.Text.Json.Serialization;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;

namespace Rotor.Storage;

/// <summary>
/// Serialization metadata for what the store keeps as JSON (specs, rotation progress, issued
/// facts, a CMP issuer's transaction state and server position, alerts), generated at build time: a process
/// that reads specs and rotation progress (every CLI command, every `rotor reconcile` from cron)
/// then needs no reflection-emitted accessors, which cost tens of milliseconds at start-up.
/// It is the only metadata the store's JSON has (no reflection fallback), so the Native AOT
/// executable reads and writes the same JSON.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(IssuerSpec))]
[JsonSerializable(typeof(CertificateSpec))]
[JsonSerializable(typeof(TargetSpec))]
[JsonSerializable(typeof(EndpointSpec))]
[JsonSerializable(typeof(NotifierSpec))]
[JsonSerializable(typeof(AlertingSpec))]
[JsonSerializable(typeof(ScanSpec))]
[JsonSerializable(typeof(AcmeServerSpec))]
[JsonSerializable(typeof(Rotor.Core.Scan.EndpointScan))]
[JsonSerializable(typeof(List<Rotor.Core.Scan.EndpointScan>))]
[JsonSerializable(typeof(RotationProgress))]
[JsonSerializable(typeof(SpecSerializer.IssuedFactsDto))]
[JsonSerializable(typeof(Rotor.Issuers.CmpTransactionState))]
[JsonSerializable(typeof(Rotor.Core.Alerts.AlertState))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(Rotor.Issuers.CmpServerPosition))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(Rotor.Core.Abstractions.AcmeOrderRecord))]
[JsonSerializable(typeof(Rotor.Core.Abstractions.AcmeAuthorizationRecord))]
[JsonSerializable(typeof(Rotor.Core.Abstractions.AcmeIssuedCertificateRecord))]
internal sealed partial class RotorJsonContext : JsonSerializerContext;
