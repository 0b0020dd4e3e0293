using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Probes;
using Rotor.Storage;

namespace Rotor.Scan;

/// <summary>
/// <c>rotor run</c>'s discovery scans, beside the reconcile and alert loops and independent of them:
/// every stored Scan runs when its interval has passed since its last finished run (kept in the
/// store, so a restart does not scan again at once), one scan at a time. The alert loop judges the
/// results at its next evaluation.
/// </summary>
public sealed class ScanLoop(IStore store, TimeProvider time, ILogger logger, HttpClient http)
{
    /// <summary>Where each scanned endpoint's handshake time is counted (the host's, in <c>rotor run</c>).</summary>
    public Telemetry.ProbeHistograms? Histograms { get; init; }

    /// <summary>How often the loop looks for a scan that is due.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(30);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RunDueAsync(cancellationToken);
                await Task.Delay(Tick, time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The store was unreadable a moment (or a bug): the loop goes on, as the alert loop does.
                ScanLog.Failed(logger, "(all)", e.Message);
                try
                {
                    await Task.Delay(Tick, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Runs every scan whose interval has passed; returns how many ran.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var ran = 0;
        foreach (var resource in await store.ListResourcesAsync(ResourceKinds.Scan, cancellationToken))
        {
            var spec = SpecSerializer.SpecOf<ScanSpec>(resource);
            var last = await ((IScanStore)store).GetLatestScanRunAsync(resource.Name, cancellationToken);
            if (last?.FinishedAt is { } finished && time.GetUtcNow() < finished + spec.Interval) continue;
            try
            {
                var started = time.GetTimestamp();
                var scanner = await ScannerForAsync(resource, spec, http, time, cancellationToken);
                var runner = new ScanRunner(store, time) { SrvProblem = problem => ScanLog.SrvFailed(logger, resource.Name, problem) };
                var (run, results) = await runner.RunStoredAsync(resource.Name, scanner, cancellationToken);
                foreach (var r in results) Histograms?.Record(Telemetry.ProbeHistograms.Scan, r.Reachable, r.HandshakeMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);
                ScanLog.Finished(logger, resource.Name, run.Endpoints, run.Reachable, time.GetElapsedTime(started).TotalSeconds);
                ran++;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                ScanLog.Failed(logger, resource.Name, e.Message);
            }
        }
        return ran;
    }

    /// <summary>The scanner a stored Scan asks for: its limits, SIP, and its CA bundle (relative to its manifest).</summary>
    public static async Task<EndpointScanner> ScannerForAsync(StoredResource resource, ScanSpec spec, HttpClient http, TimeProvider time, CancellationToken cancellationToken)
    {
        var anchors = spec.CaBundle is null
            ? []
            : await TlsProbeOptions.ReadTrustAnchorsAsync(Path.GetFullPath(Path.Combine(SpecSerializer.BaseDirectory(resource), spec.CaBundle)), cancellationToken);
        return new EndpointScanner(new ScanOptions { TrustAnchors = anchors, Timeout = spec.Timeout, Sip = spec.Sip, Sni = spec.Sni }, http, time);
    }
}
