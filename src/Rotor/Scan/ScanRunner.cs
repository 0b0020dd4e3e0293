using DnsClient;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Scan;
using Rotor.Storage;

namespace Rotor.Scan;

/// <summary>
/// Runs a scan: its entries expanded and its SRV names resolved into endpoints, each looked at by
/// the <see cref="EndpointScanner"/> with at most <c>concurrency</c> at a time, each leaf matched
/// against every version Rotor stored. A stored Scan resource's run is kept (with its history) for
/// the alert rules and metrics; a one-off scan's is only returned.
/// </summary>
public sealed class ScanRunner(IStore? store, TimeProvider time, ILookupClient? dns = null)
{
    /// <summary>Runs kept per scan: history enough for `rotor scan` to show changes, bounded.</summary>
    public const int KeepRuns = 50;

    /// <summary>Endpoints one SRV name may yield.</summary>
    private const int MaxSrvRecords = 64;

    public sealed record Target(ScanTargets.Address Address, string Source);

    /// <summary>Called after each endpoint with (done, total): progress for long scans.</summary>
    public Action<int, int>? Progress { get; init; }

    /// <summary>Called with each SRV name that could not be resolved during a stored scan's run, and why.</summary>
    public Action<string>? SrvProblem { get; init; }

    /// <summary>Runs the stored Scan <paramref name="scan"/> and keeps its results; returns them.</summary>
    public async Task<(ScanRun Run, IReadOnlyList<EndpointScan> Results)> RunStoredAsync(string scan, EndpointScanner scanner, CancellationToken cancellationToken)
    {
        if (store is null) throw new InvalidOperationException("a stored scan needs the store");
        var resource = await store.GetResourceAsync(ResourceKinds.Scan, scan, cancellationToken)
            ?? throw new RotorException($"scan '{scan}' not found", isTransient: false) { Reason = RotorReasons.NotFound };
        var spec = SpecSerializer.SpecOf<ScanSpec>(resource);
        var scans = (IScanStore)store;
        var runId = await scans.StartScanRunAsync(scan, time.GetUtcNow(), cancellationToken);
        var targets = await ResolveAsync(spec.Endpoints, spec.Srv, cancellationToken);
        foreach (var problem in targets.Problems) SrvProblem?.Invoke(problem);
        var results = await ScanAsync(targets.Targets, spec.Concurrency, scanner, cancellationToken);
        var finished = time.GetUtcNow();
        await scans.FinishScanRunAsync(runId, results, finished, KeepRuns, cancellationToken);
        return (new ScanRun(runId, scan, results.Count == 0 ? finished : results.Min(r => r.At), finished, results.Count, results.Count(r => r.Reachable)), results);
    }

    /// <summary>Scans the endpoints at most <paramref name="concurrency"/> at a time; results in the targets' order.</summary>
    public async Task<IReadOnlyList<EndpointScan>> ScanAsync(IReadOnlyList<Target> targets, int concurrency, EndpointScanner scanner, CancellationToken cancellationToken)
    {
        var managed = await ManagedIndexAsync(cancellationToken);
        var results = new EndpointScan[targets.Count];
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, targets.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(concurrency, 1, ScanSpec.MaxConcurrency), CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                results[i] = await scanner.ScanAsync(targets[i].Address, targets[i].Source, f => managed.GetValueOrDefault(f), ct);
                Progress?.Invoke(Interlocked.Increment(ref done), targets.Count);
            });
        return results;
    }

    /// <summary>The endpoints of entries and SRV names, in order, without repeats; the SRV names that failed, with why.</summary>
    public async Task<(IReadOnlyList<Target> Targets, IReadOnlyList<string> Problems)> ResolveAsync(IReadOnlyList<string> entries, IReadOnlyList<string> srv,
        CancellationToken cancellationToken)
    {
        if (ScanTargets.TryExpand(entries, out var addresses) is { } bad) throw new RotorException("endpoints" + bad, isTransient: false) { Reason = RotorReasons.InvalidScan };
        var targets = addresses.Select(a => new Target(a, "endpoints")).ToList();
        var seen = addresses.ToHashSet();
        var problems = new List<string>();
        foreach (var name in srv)
        {
            try
            {
                var lookup = dns ?? new LookupClient(new LookupClientOptions { Timeout = TimeSpan.FromSeconds(5), Retries = 1 });
                var answer = await lookup.QueryAsync(name, QueryType.SRV, cancellationToken: cancellationToken);
                foreach (var record in answer.Answers.SrvRecords().OrderBy(r => r.Priority).ThenByDescending(r => r.Weight).Take(MaxSrvRecords))
                {
                    var host = record.Target.Value.TrimEnd('.');
                    // RFC 2782: a target of "." means the service is decidedly not available at this domain.
                    if (host.Length == 0 || HostPort.CheckHost(host) is not null || record.Port == 0) continue;
                    var address = new ScanTargets.Address(host, record.Port);
                    if (seen.Add(address) && seen.Count <= ScanTargets.MaxExpansion) targets.Add(new Target(address, name));
                }
            }
            catch (DnsResponseException e)
            {
                problems.Add($"{name}: {e.Message}");
            }
        }
        return (targets, problems);
    }

    /// <summary>Every stored version's leaf fingerprint, with its certificate, number and whether it is the current one.</summary>
    private async Task<Dictionary<string, ManagedVersion>> ManagedIndexAsync(CancellationToken cancellationToken)
    {
        var index = new Dictionary<string, ManagedVersion>(StringComparer.OrdinalIgnoreCase);
        if (store is null) return index;
        var current = (await store.ListStatusesAsync(cancellationToken)).Where(s => s.CurrentVersionId is not null)
            .Select(s => s.CurrentVersionId!.Value).ToHashSet();
        foreach (var certificate in await store.ListResourcesAsync(ResourceKinds.Certificate, cancellationToken))
        {
            foreach (var v in await store.ListVersionsAsync(certificate.Name, cancellationToken))
            {
                index[v.Sha256Fingerprint.Replace(":", "", StringComparison.Ordinal)] = new ManagedVersion(v.Certificate, (int)v.Number, current.Contains(v.Id));
            }
        }
        return index;
    }
}
