using System.Globalization;
using Rotor.Cli;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;
using Rotor.Storage;

namespace Rotor.Dashboard;

/// <summary>
/// <c>/certificates/{name}</c>: what <c>rotor describe certificate</c> shows (gathered by the same
/// code), with the targets and the last probe of their endpoints, the rotation steps with their
/// gate evidence (success rate, handshake p50/p95), the certificate's events, and its actions.
/// </summary>
internal static class CertificatePage
{
    public const int EventCount = 20;

    public static async Task ShowAsync(DashboardRequest r)
    {
        var name = (string)r.Http.Request.RouteValues["name"]!;
        var stored = await r.Host.Store.GetResourceAsync(ResourceKinds.Certificate, name, r.Aborted);
        if (stored is null)
        {
            await NotFoundAsync(r, name);
            return;
        }
        var status = await r.Host.Store.GetStatusAsync(name, r.Aborted);
        var events = await r.Host.Store.ListEventsAsync(ResourceKinds.Certificate, name, EventCount, r.Aborted);
        var view = await CertificateViews.GatherAsync(r.Host, stored, status, events, r.Aborted);
        var spec = SpecSerializer.SpecOf<CertificateSpec>(stored);

        var w = new HtmlWriter();
        w.Html($"""<h1>Certificate <span id="certificate-name">{view.Name}</span></h1>""");
        if (ActionPage.Find(r.Query("done")) is { } done)
        {
            w.Html($"""<p class="notice" role="status" id="action-result">{done.Done}. Its outcome is in the events below.</p>""");
        }
        var state = StatusOf(view, r.Now);
        var days = DashboardPage.DaysLeft(view.NotAfter, r.Now);
        w.Html($"""
            <dl class="facts">
            <dt>Status</dt><dd id="certificate-status">{DashboardPage.Badge(state)}</dd>
            <dt>Expires</dt><dd>{DashboardPage.Time(view.NotAfter)}{(days is { } d ? $" ({d} days left)" : "")}</dd>
            <dt>Next renewal</dt><dd>{DashboardPage.Time(view.RenewalAt)}</dd>
            <dt>Issuer</dt><dd>{view.Issuer}</dd>
            <dt>Names</dt><dd>{string.Join(", ", view.Names)}</dd>
            <dt>Key</dt><dd>{view.Key}, rotation policy {view.RotationPolicy}</dd>
            <dt>Duration</dt><dd>{view.Duration}</dd>
            <dt>Generation</dt><dd>{view.Generation}</dd>
            """);
        if (view.Failures > 0) w.Html($"""<dt>Failures</dt><dd>{view.Failures} in a row; last: {view.LastFailure}</dd>""");
        if (view.RenewRequested) w.Html($"""<dt>Requested</dt><dd>a manual renewal is waiting to be picked up</dd>""");
        w.Html($"""</dl>""");

        w.Html($"""<h2>Actions</h2>""");
        if (r.Session.Principal.CanAct)
        {
            w.Html($"""<div class="actions">""");
            foreach (var a in ActionPage.Actions)
            {
                w.Html($"""<a class="button{(a.Dangerous ? " danger" : "")}" id="action-{a.Verb}" href="{DashboardPage.CertificatePath(view.Name)}/{a.Verb}">{a.Label}…</a>""");
            }
            w.Html($"""</div><p class="muted">Each action asks for confirmation first.</p>""");
        }
        else
        {
            w.Html($"""<p>Your token is a {r.Session.Principal.Role} token: it may look, not act. Renew, rotate and roll back need an operator token.</p>""");
        }

        await TargetsAsync(w, r, spec);
        Versions(w, view);
        Rotations(w, view);
        Events(w, view);
        await DashboardEndpoints.WriteHtmlAsync(r.Http, "Certificate " + view.Name, r.Session, w.ToMarkup());
    }

    internal static Task NotFoundAsync(DashboardRequest r, string name)
    {
        var w = new HtmlWriter();
        w.Html($"""<h1>Not found</h1><p class="error" role="alert">There is no certificate named “{name}”.</p><p><a href="/">Back to the certificates</a></p>""");
        return DashboardEndpoints.WriteHtmlAsync(r.Http, "Not found", r.Session, w.ToMarkup(), Microsoft.AspNetCore.Http.StatusCodes.Status404NotFound);
    }

    /// <summary>The inventory's status of one certificate, from its view (the same rules as the inventory's query).</summary>
    internal static InventoryStatus StatusOf(CertificateViewJson view, DateTimeOffset now)
    {
        if (view.NotAfter is { } na && na <= now) return InventoryStatus.Expired;
        if (view.Failures > 0) return InventoryStatus.Failing;
        if (view.Versions.Any(v => v.State == VersionState.Issued)) return InventoryStatus.Rotating;
        if (!view.Versions.Any(v => v.State == VersionState.Active)) return InventoryStatus.Pending;
        if (view.NotAfter is { } soon && soon <= now + InventoryQuery.ExpiringWithin) return InventoryStatus.Expiring;
        return view.Ready ? InventoryStatus.Ready : InventoryStatus.NotReady;
    }

    private static async Task TargetsAsync(HtmlWriter w, DashboardRequest r, CertificateSpec spec)
    {
        w.Html($"""
            <h2 id="targets-heading">Targets</h2>
            <table aria-labelledby="targets-heading" id="targets"><thead><tr><th scope="col">Target</th><th scope="col">Role</th>
            <th scope="col">Endpoint</th><th scope="col">Last probe</th><th scope="col" class="num">Handshake</th><th scope="col">Result</th></tr></thead><tbody>
            """);
        foreach (var binding in spec.Deploy)
        {
            if (binding.Endpoints.Count == 0)
            {
                w.Html($"""<tr><th scope="row">{binding.Target}</th><td>{binding.Role}</td><td colspan="4" class="muted">no endpoint probed</td></tr>""");
                continue;
            }
            foreach (var endpoint in binding.Endpoints)
            {
                var probe = await r.Host.Store.GetEndpointProbeAsync(endpoint, r.Aborted);
                w.Html($"""<tr><th scope="row">{binding.Target}</th><td>{binding.Role}</td><td>{endpoint}</td>""");
                if (probe is null)
                {
                    w.Html($"""<td colspan="3" class="muted">not probed yet</td></tr>""");
                    continue;
                }
                w.Html($"""
                    <td>{DashboardPage.Time(probe.At)}</td><td class="num">{(probe.HandshakeMs is { } ms ? ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "—")}</td>
                    <td>{(probe.Success ? DashboardPage.Badge("s-ok", "✓", "OK") : DashboardPage.Badge("s-bad", "✗", probe.Failure.ToString()))} {probe.Error}</td></tr>
                    """);
            }
        }
        w.Html($"""</tbody></table>""");
    }

    private static void Versions(HtmlWriter w, CertificateViewJson view)
    {
        w.Html($"""
            <h2 id="versions-heading">Versions</h2>
            <table aria-labelledby="versions-heading" id="versions"><thead><tr><th scope="col" class="num">Version</th><th scope="col">State</th>
            <th scope="col">Serial</th><th scope="col">Not before</th><th scope="col">Not after</th><th scope="col">SHA-256</th></tr></thead><tbody>
            """);
        foreach (var v in view.Versions.Reverse())
        {
            w.Html($"""
                <tr><th scope="row" class="num">{v.Version}</th><td>{v.State}</td><td class="mono">{v.Serial}</td>
                <td>{DashboardPage.Time(v.NotBefore)}</td><td>{DashboardPage.Time(v.NotAfter)}</td><td class="mono">{v.Sha256}</td></tr>
                """);
        }
        if (view.Versions.Count == 0) w.Html($"""<tr><td colspan="6">No version issued yet.</td></tr>""");
        w.Html($"""</tbody></table>""");
    }

    private static void Rotations(HtmlWriter w, CertificateViewJson view)
    {
        w.Html($"""
            <h2 id="rotation-heading">Rotation steps and gate evidence</h2>
            <table aria-labelledby="rotation-heading" id="rotations"><thead><tr><th scope="col" class="num">Version</th><th scope="col">Target</th>
            <th scope="col" class="num">Wave</th><th scope="col">State</th><th scope="col" class="num">Success rate</th><th scope="col" class="num">Probes</th>
            <th scope="col" class="num">Handshake p50</th><th scope="col" class="num">p95</th><th scope="col">Gate</th><th scope="col">Updated</th><th scope="col">Detail</th></tr></thead><tbody>
            """);
        foreach (var rot in view.Rotations.Reverse())
        {
            var g = rot.Gate;
            w.Html($"""
                <tr data-state="{rot.State}"><th scope="row" class="num">{rot.Version}</th><td>{rot.Target}</td><td class="num">{rot.Wave}</td>
                <td class="rotation-state">{RotationBadge(rot.State)}</td>
                <td class="num">{(g?.SuccessRate is { } rate ? rate.ToString("0.##", CultureInfo.InvariantCulture) + " %" : "—")}</td>
                <td class="num">{(g is null ? "—" : $"{g.Successes}/{g.Probes}" + (g.Unreachable > 0 ? $" ({g.Unreachable} unreachable)" : ""))}</td>
                <td class="num">{Ms(g?.HandshakeP50Ms)}</td><td class="num">{Ms(g?.HandshakeP95Ms)}</td>
                <td>{(g is null ? "—" : g.Passed ? "passed" : g.LastError is { } e ? "last failure: " + e : "probing")}</td>
                <td>{DashboardPage.Time(rot.Updated)}</td><td>{rot.Detail}</td></tr>
                """);
        }
        if (view.Rotations.Count == 0) w.Html($"""<tr><td colspan="11">No rotation yet.</td></tr>""");
        w.Html($"""</tbody></table>""");
    }

    private static string Ms(double? ms) => ms is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "—";

    internal static HtmlMarkup RotationBadge(RotationState state) => state switch
    {
        RotationState.Promoted => DashboardPage.Badge("s-ok", "✓", "Promoted"),
        RotationState.Retired => DashboardPage.Badge("s-info", "–", "Retired"),
        RotationState.Draining => DashboardPage.Badge("s-info", "↘", "Draining"),
        RotationState.Failed => DashboardPage.Badge("s-bad", "✗", "Failed"),
        RotationState.RollingBack => DashboardPage.Badge("s-warn", "↶", "RollingBack"),
        _ => DashboardPage.Badge("s-info", "↻", state.ToString()),
    };

    private static void Events(HtmlWriter w, CertificateViewJson view)
    {
        w.Html($"""
            <h2 id="events-heading">Events</h2>
            <p><a href="/events?kind={ResourceKinds.Certificate}&amp;name={Uri.EscapeDataString(view.Name)}">All events of this certificate</a></p>
            """);
        EventsPage.Table(w, "events-heading", view.Events.Reverse().Select(e => new EventRecord(0, e.At, ResourceKinds.Certificate, view.Name, e.Type, e.Reason, e.Message)), withSubject: false);
    }
}
