using Microsoft.Extensions.Logging;
using Rotor.Telemetry;

namespace Rotor.Targets;

/// <summary>Log messages of the Genesys Cloud target. None carries the client secret, a token or a request header.</summary>
internal static partial class GenesysCloudLog
{
    [LoggerMessage(RotorEventIds.GenesysRetry, LogLevel.Warning,
        "Genesys Cloud target {Target}: {Request} answered {Status}: {Answer}; trying again in {DelayMs} ms")]
    public static partial void Retry(ILogger logger, string target, string request, int status, string answer, long delayMs);

    [LoggerMessage(RotorEventIds.GenesysCaAdded, LogLevel.Information,
        "Genesys Cloud target {Target}: CA {Subject} ({Sha256}) added to the trusted certificate authorities for {Certificate} version {Version}")]
    public static partial void CaAdded(ILogger logger, string target, string subject, string sha256, string certificate, long version);

    [LoggerMessage(RotorEventIds.GenesysCaRemoved, LogLevel.Information,
        "Genesys Cloud target {Target}: certificate authority '{Name}' ({Id}) removed: version {Version} of {Certificate} retired and no current version needs it")]
    public static partial void CaRemoved(ILogger logger, string target, string name, string id, string certificate, long version);

    [LoggerMessage(RotorEventIds.GenesysTokenRefused, LogLevel.Warning,
        "Genesys Cloud target {Target}: the login host answered {Status} to the client-credentials request: {Answer}")]
    public static partial void TokenRefused(ILogger logger, string target, int status, string answer);

    [LoggerMessage(RotorEventIds.GenesysTrunkStatus, LogLevel.Debug,
        "Genesys Cloud target {Target}: trunk {TrunkId} healthy {Healthy}: {Detail}")]
    public static partial void TrunkStatus(ILogger logger, string target, string trunkId, bool healthy, string detail);
}
