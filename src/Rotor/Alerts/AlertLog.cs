using Microsoft.Extensions.Logging;
using Rotor.Telemetry;

namespace Rotor.Alerts;

/// <summary>Log messages of alerting (event ids 8000s). Alert keys and notifier names only; never a secret or a message body.</summary>
internal static partial class AlertLog
{
    [LoggerMessage(RotorEventIds.AlertDelivered, LogLevel.Information, "Alert {Key} ({Kind}) delivered to notifier {Notifier} (attempt {Attempt})")]
    public static partial void Delivered(ILogger logger, string kind, string key, string notifier, int attempt);

    [LoggerMessage(RotorEventIds.AlertDeliveryFailed, LogLevel.Warning, "Alert {Key} not delivered to notifier {Notifier} (attempt {Attempt}); next try at {NextAttempt:o}: {Error}")]
    public static partial void DeliveryFailed(ILogger logger, string key, string notifier, int attempt, DateTimeOffset nextAttempt, string error);

    [LoggerMessage(RotorEventIds.AlertLoopFailed, LogLevel.Error, "Alert evaluation or delivery failed unexpectedly; it goes on")]
    public static partial void LoopFailed(ILogger logger, Exception exception);
}
