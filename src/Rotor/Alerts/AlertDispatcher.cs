using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;
using Rotor.Core.Alerts;
using Rotor.Telemetry;

namespace Rotor.Alerts;

/// <summary>
/// Sends what the outbox holds: claims the messages due, sends each through its notifier within the
/// notifier's timeout, marks it delivered, or records the failure and when to try again (30 s,
/// 1 min, 2 min, 5 min, 10 min, then every 30 min, each with up to 10 % jitter). A message is never
/// dropped: a receiver that is down gets it when it is back. Runs beside the reconciler, never in it.
/// </summary>
public sealed class AlertDispatcher(IAlertStore alerts, NotifierRegistry notifiers, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan[] Backoff =
        [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)];

    /// <summary>How long a claimed message is left to its sender before another may take it.</summary>
    public static readonly TimeSpan ClaimFor = TimeSpan.FromMinutes(6);

    public sealed record Result(int Delivered, int Failed);

    public static TimeSpan RetryAfter(int failedAttempts, Random random)
    {
        var step = Backoff[Math.Clamp(failedAttempts - 1, 0, Backoff.Length - 1)];
        return step + TimeSpan.FromMilliseconds(step.TotalMilliseconds * 0.1 * random.NextDouble());
    }

    public async Task<Result> DeliverDueAsync(CancellationToken cancellationToken)
    {
        int delivered = 0, failed = 0;
        while (true)
        {
            var batch = await alerts.ClaimDeliverableAsync(time.GetUtcNow(), ClaimFor, 50, cancellationToken);
            if (batch.Count == 0) break;
            // One notifier's messages go in order; different notifiers go side by side, so a
            // receiver that hangs delays only its own messages.
            var results = await Task.WhenAll(batch.GroupBy(m => m.Notifier, StringComparer.Ordinal)
                .Select(g => SendAllAsync(g.OrderBy(m => m.Id).ToList(), cancellationToken)));
            delivered += results.Sum(r => r.Delivered);
            failed += results.Sum(r => r.Failed);
            if (batch.Count < 50) break;
        }
        return new Result(delivered, failed);
    }

    private async Task<Result> SendAllAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        int delivered = 0, failed = 0;
        foreach (var message in messages)
        {
            if (await SendAsync(message, cancellationToken)) delivered++;
            else failed++;
        }
        return new Result(delivered, failed);
    }

    private async Task<bool> SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        string error;
        try
        {
            var found = await notifiers.GetAsync(message.Notifier, cancellationToken);
            if (found is null)
            {
                error = $"notifier '{message.Notifier}' no longer exists; the message waits in case it is applied again";
            }
            else
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(found.Value.Spec.Timeout);
                try
                {
                    await found.Value.Channel.SendAsync(message, timeout.Token);
                    await alerts.MarkDeliveredAsync(message.Id, time.GetUtcNow(), CancellationToken.None);
                    AlertLog.Delivered(logger, message.Kind.ToString().ToLowerInvariant(), message.Alert.Key, message.Notifier, message.Attempts + 1);
                    return true;
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    error = $"notifier {message.Notifier}: no answer within {Core.Resources.DurationParser.Format(found.Value.Spec.Timeout)}";
                }
            }
        }
        catch (Channels.AlertDeliveryException e)
        {
            error = e.Message;
        }
        catch (RotorException e)
        {
            error = e.Message;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A channel's contract is AlertDeliveryException; anything else is still a failed attempt
            // to retry on the schedule, never a message left claimed. Only the type is kept: the
            // text of an unknown exception may quote what it was given.
            error = $"notifier {message.Notifier}: delivery failed unexpectedly ({e.GetType().Name})";
        }
        var next = time.GetUtcNow() + RetryAfter(message.Attempts + 1, Random.Shared);
        await alerts.MarkAttemptFailedAsync(message.Id, next, error, CancellationToken.None);
        AlertLog.DeliveryFailed(logger, message.Alert.Key, message.Notifier, message.Attempts + 1, next, error);
        return false;
    }
}
