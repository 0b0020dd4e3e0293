using Microsoft.Extensions.Logging;
using Rotor.Telemetry;

namespace Rotor.Scan;

/// <summary>Log messages of discovery scans (event ids 4100s, beside the probes). Scan names, endpoints and counts only.</summary>
internal static partial class ScanLog
{
    [LoggerMessage(RotorEventIds.ScanFinished, LogLevel.Information, "Scan {Scan} finished: {Endpoints} endpoint(s), {Reachable} answering, in {Seconds:F1} s")]
    public static partial void Finished(ILogger logger, string scan, int endpoints, int reachable, double seconds);

    [LoggerMessage(RotorEventIds.ScanFailed, LogLevel.Warning, "Scan {Scan} failed; it runs again at its next interval: {Error}")]
    public static partial void Failed(ILogger logger, string scan, string error);

    [LoggerMessage(RotorEventIds.ScanSrvFailed, LogLevel.Warning, "Scan {Scan}: SRV lookup failed: {Problem}")]
    public static partial void SrvFailed(ILogger logger, string scan, string problem);
}
