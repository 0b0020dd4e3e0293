using Rotor.Core.Alerts;

namespace Rotor.Alerts.Channels;

/// <summary>
/// One way of telling people about an alert (a <c>Notifier</c> resource's kind). Contract:
/// <see cref="SendAsync"/> delivers one message or throws; it is called by one sender at a time per
/// message, may be called again for the same message after a failure or a crash (receivers that
/// can deduplicate get <see cref="OutboxMessage.IdempotencyKey"/>), must finish or fail within the
/// notifier's timeout (the caller cancels the token then), and never puts a secret (password, HMAC
/// key, community string) into an exception message or a log.
/// </summary>
public interface IAlertChannel
{
    /// <summary>The notifier's name, for messages.</summary>
    string Name { get; }

    /// <exception cref="AlertDeliveryException">Delivery failed; <see cref="AlertDeliveryException.IsTransient"/> says whether a retry can help.</exception>
    Task SendAsync(OutboxMessage message, CancellationToken cancellationToken);
}

/// <summary>A delivery that failed, with a message safe to store and show (no secret, no body).</summary>
public sealed class AlertDeliveryException(string message, bool isTransient = true, Exception? inner = null) : Exception(message, inner)
{
    public bool IsTransient { get; } = isTransient;
}
