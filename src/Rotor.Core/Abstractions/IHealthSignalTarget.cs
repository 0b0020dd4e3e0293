namespace Rotor.Core.Abstractions;

/// <summary>One reading of a platform's own health report (a trunk's state), counted by the health gate beside the probes.</summary>
public sealed record HealthSignal(string Source, bool Healthy, string Detail);

/// <summary>
/// A target whose platform reports the health of what depends on the certificate (Genesys Cloud's
/// BYOC trunk status). While a leaf binding of the same certificate is under its health gate,
/// each round also reads these signals: a healthy one counts as a success, an unhealthy one as a
/// failure, so a trunk that drops after the new leaf went out rolls the version back like a
/// failed handshake does. Reading is idempotent and changes nothing; a failure to read is a
/// <see cref="RotorException"/> (transient: the round is tried again).
/// </summary>
public interface IHealthSignalTarget
{
    /// <summary>Whether this target has anything to report (e.g. trunk ids are configured); false leaves the gate as it was.</summary>
    bool HasHealthSignals { get; }

    Task<IReadOnlyList<HealthSignal>> ReadHealthSignalsAsync(CancellationToken cancellationToken);
}
