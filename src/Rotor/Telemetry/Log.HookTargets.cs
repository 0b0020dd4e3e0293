using Microsoft.Extensions.Logging;

namespace Rotor.Telemetry;

/// <summary>The exec and webhook deploy targets. Messages carry step, status and censored output, never a key or secret.</summary>
internal static partial class Log
{
    [LoggerMessage(RotorEventIds.ExecCommandFinished, LogLevel.Information, "Exec target {Target}: the {Step} command for {Certificate} version {Version} finished in {Milliseconds:0} ms")]
    public static partial void ExecCommandFinished(ILogger logger, string target, string certificate, long version, string step, double milliseconds);

    [LoggerMessage(RotorEventIds.ExecCommandFailed, LogLevel.Warning, "Exec target {Target}: {Certificate} version {Version}, step {Step}: {Message}")]
    public static partial void ExecCommandFailed(ILogger logger, string target, string certificate, long version, string step, string message);

    [LoggerMessage(RotorEventIds.WebhookTargetDelivered, LogLevel.Information, "Webhook target {Target}: {Step} of {Certificate} version {Version} accepted with HTTP {Status}")]
    public static partial void WebhookTargetDelivered(ILogger logger, string target, string certificate, long version, string step, int status);

    [LoggerMessage(RotorEventIds.WebhookTargetAttemptFailed, LogLevel.Warning, "Webhook target {Target}: {Step} of {Certificate}, attempt {Attempt} of {Attempts}: {Message}")]
    public static partial void WebhookTargetAttemptFailed(ILogger logger, string target, string certificate, string step, int attempt, int attempts, string message);
}
