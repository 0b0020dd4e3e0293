using System.Security.Cryptography.X509Certificates;

namespace Rotor.Core.Abstractions;

/// <summary>Where a probe connects: host and port, the SNI name to send, and whether to send SIP OPTIONS.</summary>
public sealed record ProbeTarget(string Host, int Port, string? Sni = null, bool SipOptions = false)
{
    /// <summary>
    /// Roots the presented chain must build to for this probe (a health gate passes the new
    /// version's CA); null leaves the probe's own configured trust in force.
    /// </summary>
    public IReadOnlyList<X509Certificate2>? Trust { get; init; }

    public override string ToString() => $"{Host}:{Port}" + (Sni is null ? "" : $" (sni {Sni})") + (SipOptions ? " +sip" : "");
}

/// <summary>
/// The outcome of one probe. <see cref="Success"/> means the handshake completed, the presented
/// chain verified against the probe's trust, and (when asked) a SIP final response came back.
/// Fingerprints are lower-case hex SHA-256 of the leaf's DER.
/// </summary>
public sealed record ProbeResult(
    ProbeTarget Target,
    bool Success,
    string? LeafSha256,
    IReadOnlyList<X509Certificate2> PresentedChain,
    bool ChainTrusted,
    int? SipStatusCode,
    TimeSpan ConnectTime,
    TimeSpan HandshakeTime,
    TimeSpan? SipTime,
    string? Error)
{
    /// <summary>
    /// Which stage failed. <see cref="ProbeFailure.Connect"/> (nothing listening, no route,
    /// connect timeout) says the server is down rather than that the certificate is bad: a health
    /// gate waits and alerts on it instead of rolling back.
    /// </summary>
    public ProbeFailure Failure { get; init; }
}

public enum ProbeFailure
{
    None,
    Connect,
    Handshake,
    Trust,
    Sip,
}

/// <summary>
/// One TLS handshake (and optionally one SIP OPTIONS over it) against an endpoint.
/// Contract: thread-safe, any number of probes may run at once; never throws for a failed
/// connection, handshake or SIP exchange (those are a result with <c>Success = false</c> and an
/// <c>Error</c>), only for cancellation; bounded by its own timeout.
/// </summary>
public interface IProbe
{
    Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken);
}
