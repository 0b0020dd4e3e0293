using Microsoft.Extensions.Logging;
using Rotor.Telemetry;

namespace Rotor.Targets;

/// <summary>Log messages of the AudioCodes target. None carries a credential, a key or a request header.</summary>
internal static partial class AudioCodesLog
{
    [LoggerMessage(RotorEventIds.AudioCodesConflictRetry, LogLevel.Warning,
        "AudioCodes target {Target}: {Method} {Path} answered 409 (attempt {Attempt} of {Attempts}): {Answer}; trying again in {DelayMs} ms")]
    public static partial void ConflictRetry(ILogger logger, string target, string method, string path, int attempt, int attempts, string answer, long delayMs);

    [LoggerMessage(RotorEventIds.AudioCodesRestored, LogLevel.Warning,
        "AudioCodes target {Target}: version {Version} of {Certificate} is back on TLS context {Context} ({Why})")]
    public static partial void Restored(ILogger logger, string target, long version, string certificate, int context, string why);

    [LoggerMessage(RotorEventIds.AudioCodesNothingToRestore, LogLevel.Warning,
        "AudioCodes target {Target}: no earlier version of {Certificate} was in service on TLS context {Context}; what the device had before was not Rotor's and its key cannot be read back, so version {Version} stays")]
    public static partial void NothingToRestore(ILogger logger, string target, string certificate, int context, long version);

    [LoggerMessage(RotorEventIds.AudioCodesRestoreFailed, LogLevel.Error,
        "AudioCodes target {Target}: putting version {Version} of {Certificate} back on TLS context {Context} failed: {Message}")]
    public static partial void RestoreFailed(ILogger logger, string target, long version, string certificate, int context, string message);

    [LoggerMessage(RotorEventIds.AudioCodesCsrRequested, LogLevel.Information,
        "AudioCodes target {Target}: TLS context {Context} signed a certificate request for {Certificate} with its own key (key on device)")]
    public static partial void CsrRequested(ILogger logger, string target, int context, string certificate);
}
