using System.Globalization;
using Rotor.Core.Abstractions;
using Rotor.Core.Alerts;
using Rotor.Core.Resources;
using Rotor.Storage;

namespace Rotor.Dashboard;

/// <summary><c>/endpoints</c>: the Endpoint resources with their last probe, then each Scan's latest results.</summary>
internal static class EndpointsPage
{
    /// <summary>Results shown per scan (a scan may cover 4,096 endpoints; the CLI lists them all).</summary>
    public const int ScanRows = 200;

    public static async Task ShowAsync(DashboardRequest r)
    {
        var endpoints = await r.Host.Store.ListResourcesAsync(ResourceKinds.Endpoint, r.Aborted);
        var probes = (await r.Queries.ListEndpointProbesAsync(r.Aborted)).ToDictionary(p => p.Endpoint, StringComparer.Ordinal);
        var w = new HtmlWriter();
        w.Html($"""
            <h1>Endpoints</h1>
            <table aria-labelledby="endpoints-heading" id="endpoints"><caption id="endpoints-heading">Watched endpoints and their last probe</caption>
            <thead><tr><th scope="col">Endpoint</th><th scope="col">Address</th><th scope="col">SNI</th><th scope="col">Last probe</th>
            <th scope="col">Result</th><th scope="col">Certificate</th><th scope="col" class="num">Handshake</th><th scope="col">SIP</th></tr></thead><tbody>
            """);
        foreach (var e in endpoints)
        {
            var spec = SpecSerializer.SpecOf<EndpointSpec>(e);
            probes.TryGetValue(e.Name, out var p);
            w.Html($"""<tr><th scope="row">{e.Name}</th><td>{spec.Host}:{spec.Port}</td><td>{spec.Sni}</td>""");
            if (p is null)
            {
                w.Html($"""<td colspan="5" class="muted">not probed yet</td></tr>""");
                continue;
            }
            w.Html($"""
                <td>{DashboardPage.Time(p.At)}</td>
                <td>{(p.Success ? DashboardPage.Badge("s-ok", "✓", "OK") : DashboardPage.Badge("s-bad", "✗", p.Failure.ToString()))} {p.Error}</td>
                <td>{p.Certificate}</td><td class="num">{(p.HandshakeMs is { } ms ? ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "—")}</td>
                <td>{(p.SipStatusCode is { } sip ? sip.ToString(CultureInfo.InvariantCulture) : "—")}</td></tr>
                """);
        }
        if (endpoints.Count == 0) w.Html($"""<tr><td colspan="8">No Endpoint resources.</td></tr>""");
        w.Html($"""</tbody></table>""");
        await ScansAsync(w, r);
        await DashboardEndpoints.WriteHtmlAsync(r.Http, "Endpoints", r.Session, w.ToMarkup());
    }

    private static async Task ScansAsync(HtmlWriter w, DashboardRequest r)
    {
        var scans = await r.Host.Store.ListResourcesAsync(ResourceKinds.Scan, r.Aborted);
        w.Html($"""<h2>Discovery scans</h2>""");
        if (scans.Count == 0 || r.Host.Store is not IScanStore store)
        {
            w.Html($"""<p>No Scan resources.</p>""");
            return;
        }
        foreach (var scan in scans)
        {
            var run = await store.GetLatestScanRunAsync(scan.Name, r.Aborted);
            var id = "scan-" + scan.Name;
            w.Html($"""<h3 id="{id}">Scan {scan.Name}</h3>""");
            if (run is null)
            {
                w.Html($"""<p class="muted">Not run yet.</p>""");
                continue;
            }
            var results = await store.ListScanResultsAsync(run.Id, r.Aborted);
            w.Html($"""
                <p>Last run finished {DashboardPage.Time(run.FinishedAt)}: {run.Reachable} of {run.Endpoints} endpoints answered.</p>
                <table aria-labelledby="{id}"><thead><tr><th scope="col">Endpoint</th><th scope="col">Answered</th><th scope="col">Subject</th>
                <th scope="col">Expires</th><th scope="col">Chain</th><th scope="col">Name</th><th scope="col">Managed</th><th scope="col">Findings</th></tr></thead><tbody>
                """);
            foreach (var e in results.Take(ScanRows))
            {
                var findings = string.Join("; ", new[]
                {
                    e.LegacyProtocols.Count > 0 ? "accepts " + string.Join(", ", e.LegacyProtocols) : null,
                    e.WeakCiphers.Count > 0 ? "weak suites: " + string.Join(", ", e.WeakCiphers) : null,
                    e.RevokedAt is not null ? "revoked" : null,
                    e.Error,
                }.Where(f => f is not null));
                w.Html($"""
                    <tr><th scope="row">{e.Endpoint}</th><td>{(e.Reachable ? DashboardPage.Badge("s-ok", "✓", "yes") : DashboardPage.Badge("s-bad", "✗", "no"))}</td>
                    <td>{e.Leaf?.Subject}</td><td>{DashboardPage.Time(e.Leaf?.NotAfter)}</td>
                    <td>{(e.ChainValid is null ? "—" : e.ChainValid.Value ? "valid" : "invalid: " + e.ChainProblem)}</td>
                    <td>{(e.NameMatches is null ? "—" : e.NameMatches.Value ? "matches" : "mismatch")}</td>
                    <td>{(e.ManagedCertificate is { } m ? $"{m} v{e.ManagedVersion}" : "—")}</td><td>{findings}</td></tr>
                    """);
            }
            w.Html($"""</tbody></table>""");
            if (results.Count > ScanRows) w.Html($"""<p class="muted">{results.Count - ScanRows} more; <code>rotor scan</code> lists them all.</p>""");
        }
    }
}

/// <summary><c>/alerts</c>: firing alerts, then the recently resolved ones.</summary>
internal static class AlertsPage
{
    public const int Limit = 200;

    public static async Task ShowAsync(DashboardRequest r)
    {
        var alerts = await r.Host.Alerts.ListAlertsAsync(includeResolved: true, Limit, r.Aborted);
        var w = new HtmlWriter();
        w.Html($"""
            <h1>Alerts</h1>
            <table aria-labelledby="alerts-heading" id="alerts"><caption id="alerts-heading">Firing first, then recently resolved</caption>
            <thead><tr><th scope="col">State</th><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Summary</th>
            <th scope="col">Since</th><th scope="col">Resolved</th></tr></thead><tbody>
            """);
        foreach (var a in alerts)
        {
            var severity = a.Severity switch
            {
                AlertSeverity.Critical => DashboardPage.Badge("s-bad", "✗", "critical"),
                AlertSeverity.Warning => DashboardPage.Badge("s-warn", "!", "warning"),
                _ => DashboardPage.Badge("s-info", "i", "info"),
            };
            w.Html($"""
                <tr><td>{(a.IsFiring ? "firing" : "resolved")}</td><td>{severity}</td><th scope="row">{a.Key}</th>
                <td>{a.Summary}<br><span class="muted">{a.Description}</span></td><td>{DashboardPage.Time(a.FiringSince)}</td><td>{DashboardPage.Time(a.ResolvedAt)}</td></tr>
                """);
        }
        if (alerts.Count == 0) w.Html($"""<tr><td colspan="6">No alerts.</td></tr>""");
        w.Html($"""</tbody></table>""");
        await DashboardEndpoints.WriteHtmlAsync(r.Http, "Alerts", r.Session, w.ToMarkup());
    }
}
