using Microsoft.Extensions.Logging;
using Rotor.Telemetry;

namespace Rotor.Targets;

/// <summary>Log messages of the Oracle SBC target. None carries a credential, a token, a key or a request header.</summary>
internal static partial class OracleSbcLog
{
    [LoggerMessage(RotorEventIds.OracleSbcLockRetry, LogLevel.Warning,
        "Oracle SBC target {Target}: the configuration lock is held (423, attempt {Attempt} of {Attempts}): {Answer}; asking again in {DelayMs} ms")]
    public static partial void LockRetry(ILogger logger, string target, int attempt, int attempts, string answer, long delayMs);

    [LoggerMessage(RotorEventIds.OracleSbcUnlockFailed, LogLevel.Error,
        "Oracle SBC target {Target}: releasing the configuration lock failed: {Message}; the SBC frees it when the token expires (10 minutes)")]
    public static partial void UnlockFailed(ILogger logger, string target, string message);

    [LoggerMessage(RotorEventIds.OracleSbcCsrRequested, LogLevel.Information,
        "Oracle SBC target {Target}: certificate-record {Record} made a new key and a certificate request for {Certificate} (key on device)")]
    public static partial void CsrRequested(ILogger logger, string target, string record, string certificate);

    [LoggerMessage(RotorEventIds.OracleSbcActivated, LogLevel.Information,
        "Oracle SBC target {Target}: version {Version} of {Certificate} is in service from certificate-record {Record} (saved, verified, activated)")]
    public static partial void Activated(ILogger logger, string target, long version, string certificate, string record);

    [LoggerMessage(RotorEventIds.OracleSbcRolledBack, LogLevel.Warning,
        "Oracle SBC target {Target}: version {Version} of {Certificate} is back in service from certificate-record {Record}")]
    public static partial void RolledBack(ILogger logger, string target, long version, string certificate, string record);

    [LoggerMessage(RotorEventIds.OracleSbcCannotRollBack, LogLevel.Error,
        "Oracle SBC target {Target}: version {Version} of {Certificate} stays in service: {Why}")]
    public static partial void CannotRollBack(ILogger logger, string target, long version, string certificate, string why);

    [LoggerMessage(RotorEventIds.OracleSbcTokenRenewed, LogLevel.Information,
        "Oracle SBC target {Target}: {Method} {Path} answered 401 with the current token; asked for a new one")]
    public static partial void TokenRenewed(ILogger logger, string target, string method, string path);
}
