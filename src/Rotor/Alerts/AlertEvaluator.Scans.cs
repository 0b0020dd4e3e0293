using Rotor.Core.Abstractions;
using Rotor.Core.Alerts;
using Rotor.Core.Resources;

namespace Rotor.Alerts;

public sealed partial class AlertEvaluator
{
    /// <summary>
    /// Adds the conditions of every stored Scan's latest finished run (<see cref="ScanAlertRules"/>), and
    /// returns the subjects (<c>SCAN/ENDPOINT</c>) that run could not judge: an endpoint that did not
    /// answer keeps its alerts as they are instead of resolving them on missing evidence. A deleted
    /// scan's alerts resolve.
    /// </summary>
    private async Task<HashSet<string>> ScanConditionsAsync(List<AlertCondition> conditions, AlertPolicy policy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var unjudged = new HashSet<string>(StringComparer.Ordinal);
        if (store is not IScanStore scans) return unjudged;
        foreach (var scan in await store.ListResourcesAsync(ResourceKinds.Scan, cancellationToken))
        {
            if (await scans.GetLatestScanRunAsync(scan.Name, cancellationToken) is not { } run) continue;
            foreach (var result in await scans.ListScanResultsAsync(run.Id, cancellationToken))
            {
                if (result.Leaf is null)
                {
                    unjudged.Add(ScanAlertRules.Subject(scan.Name, result.Endpoint));
                    continue;
                }
                conditions.AddRange(ScanAlertRules.Evaluate(scan.Name, result, policy, now));
            }
        }
        return unjudged;
    }

    /// <summary>The part of an alert key after the rule name (<c>RULE/SUBJECT</c>).</summary>
    private static string ScanSubjectOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? key : key[(slash + 1)..];
    }
}
