using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;
using Rotor.Telemetry;

namespace Rotor.Probes;

/// <summary>Log messages of the probes (event ids 4000s). Arguments are endpoints, fingerprints and reasons.</summary>
internal static partial class ProbeLog
{
    [LoggerMessage(RotorEventIds.ProbeSucceeded, LogLevel.Debug, "Probe {Target}: presented {LeafSha256}, chain trusted {ChainTrusted}, SIP {SipStatus}, handshake {HandshakeMs:F1} ms")]
    public static partial void Succeeded(ILogger logger, ProbeTarget target, string? leafSha256, bool chainTrusted, int? sipStatus, double handshakeMs);

    [LoggerMessage(RotorEventIds.ProbeFailed, LogLevel.Information, "Probe {Target} failed during {Stage}: {Error}")]
    public static partial void Failed(ILogger logger, ProbeTarget target, string stage, string error);

    [LoggerMessage(RotorEventIds.ProbeNotKept, LogLevel.Warning, "The probe of endpoint {Endpoint} was not kept for rotor describe endpoint: {Error}")]
    public static partial void EndpointProbeNotKept(ILogger logger, string endpoint, string error);
}
