using System.Security.Cryptography.X509Certificates;

namespace Rotor.Core.Abstractions;

/// <summary>Where a probe connects: host and port, the SNI name to send, and whether to send SIP OPTIONS.</summary>
public sealed record ProbeTarget(string Host, int Port, string? Sni = null, bool SipOptions = false)
{
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
    string? Error);

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
