using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;

namespace Rotor.Alerts;

/// <summary>
/// <c>rotor run</c>'s alerting, beside the reconcile loop and independent of it: evaluates the
/// rules every <see cref="Interval"/> (a threshold crossing is seen within a minute) and delivers
/// the outbox whenever something is due. A receiver that hangs or is down delays only its own messages.
/// </summary>
public sealed class AlertLoop(AlertEvaluator evaluator, AlertDispatcher dispatcher, IAlertStore alerts, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var nextEvaluation = time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (time.GetUtcNow() >= nextEvaluation)
                {
                    await evaluator.EvaluateAsync(cancellationToken);
                    nextEvaluation = time.GetUtcNow() + Interval;
                }
                await dispatcher.DeliverDueAsync(cancellationToken);
                var wake = nextEvaluation;
                if (await alerts.GetEarliestDeliveryAsync(cancellationToken) is { } due && due < wake) wake = due;
                var delay = wake - time.GetUtcNow();
                if (delay > TimeSpan.Zero) await Task.Delay(delay, time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                AlertLog.LoopFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(10), time, cancellationToken);
            }
        }
    }
}
