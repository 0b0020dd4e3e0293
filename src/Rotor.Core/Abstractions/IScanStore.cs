using Rotor.Core.Scan;

namespace Rotor.Core.Abstractions;

/// <summary>
/// Discovery scan results with their history: one run per scan pass, one result per endpoint of
/// it. Not a certificate's rows: any process that scans writes them, without a lease. Contract:
/// thread-safe; only finished runs are judged by the alert rules.
/// </summary>
public interface IScanStore
{
    /// <summary>Opens a run of <paramref name="scan"/> and returns its id.</summary>
    Task<long> StartScanRunAsync(string scan, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Stores the results of a run and marks it finished; older runs of the scan beyond <paramref name="keepRuns"/> are removed.</summary>
    Task FinishScanRunAsync(long runId, IReadOnlyList<EndpointScan> results, DateTimeOffset at, int keepRuns, CancellationToken cancellationToken);

    /// <summary>The latest finished run of <paramref name="scan"/>, or null.</summary>
    Task<ScanRun?> GetLatestScanRunAsync(string scan, CancellationToken cancellationToken);

    Task<IReadOnlyList<EndpointScan>> ListScanResultsAsync(long runId, CancellationToken cancellationToken);

    /// <summary>The stored results of one endpoint (host:port) across runs, newest first.</summary>
    Task<IReadOnlyList<(string Scan, EndpointScan Result)>> ListEndpointHistoryAsync(string endpoint, int limit, CancellationToken cancellationToken);
}
