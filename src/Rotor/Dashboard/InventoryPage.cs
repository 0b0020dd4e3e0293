using System.Globalization;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Dashboard;

/// <summary>
/// <c>/</c>: every certificate with its status, days left, issuer and targets, filtered by name,
/// status and issuer (a GET form, so a filtered view is a link), one page at a time; above it the
/// expiry timeline of the same selection.
/// </summary>
internal static class InventoryPage
{
    public const int PageSize = 50;
    public const int TimelineDays = 120;

    public static async Task ShowAsync(DashboardRequest r)
    {
        var name = r.Query("q");
        var issuer = r.Query("issuer");
        InventoryStatus? status = Enum.TryParse<InventoryStatus>(r.Query("status"), ignoreCase: true, out var s) && Enum.IsDefined(s) ? s : null;
        var page = int.TryParse(r.Query("page"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 1_000_000 ? p : 1;

        var inventory = await r.Queries.ListInventoryAsync(new InventoryQuery(name, status, issuer, page, PageSize), r.Now, r.Aborted);
        var expiries = await r.Queries.CountExpiriesAsync(name, issuer, r.Now, TimelineDays, r.Aborted);
        var issuers = await r.Host.Store.ListResourcesAsync(ResourceKinds.Issuer, r.Aborted);

        var w = new HtmlWriter();
        w.Html($"""<h1>Certificates</h1>""");
        Filters(w, name, status, issuer, issuers);
        w.Markup(ExpiryTimeline.Render(expiries, r.Now, TimelineDays));

        var pages = Math.Max(1, (inventory.Total + PageSize - 1) / PageSize);
        w.Html($"""
            <h2 id="list-heading">Certificates <span class="muted">({inventory.Total} {(inventory.Total == 1 ? "match" : "matches")})</span></h2>
            <table aria-labelledby="list-heading" id="inventory"><thead><tr>
            <th scope="col">Name</th><th scope="col">Status</th><th scope="col" class="num">Days left</th><th scope="col">Expires</th>
            <th scope="col">Issuer</th><th scope="col">Targets</th></tr></thead><tbody>
            """);
        foreach (var row in inventory.Rows)
        {
            var days = DashboardPage.DaysLeft(row.NotAfter, r.Now);
            w.Html($"""
                <tr><th scope="row"><a href="{DashboardPage.CertificatePath(row.Name)}">{row.Name}</a></th>
                <td>{DashboardPage.Badge(row.Status)}</td><td class="num">{(days is { } d ? d.ToString(CultureInfo.InvariantCulture) : "—")}</td>
                <td>{DashboardPage.Time(row.NotAfter)}</td><td>{row.Issuer}</td><td>{string.Join(", ", row.Targets)}</td></tr>
                """);
        }
        if (inventory.Rows.Count == 0)
        {
            w.Html($"""<tr><td colspan="6">No certificate matches this filter.</td></tr>""");
        }
        w.Html($"""</tbody></table>""");
        Pager(w, page, pages, name, status, issuer);
        await DashboardEndpoints.WriteHtmlAsync(r.Http, "Certificates", r.Session, w.ToMarkup());
    }

    private static void Filters(HtmlWriter w, string? name, InventoryStatus? status, string? issuer, IReadOnlyList<StoredResource> issuers)
    {
        w.Html($"""
            <form class="filters" method="get" action="/" role="search" aria-label="Filter certificates">
            <div><label for="f-name">Name contains</label><input id="f-name" name="q" type="search" value="{name}" maxlength="253"></div>
            <div><label for="f-status">Status</label><select id="f-status" name="status"><option value="">Any</option>
            """);
        foreach (var st in Enum.GetValues<InventoryStatus>())
        {
            w.Html($"""<option value="{st}"{Selected(st == status)}>{st}</option>""");
        }
        w.Html($"""</select></div><div><label for="f-issuer">Issuer</label><select id="f-issuer" name="issuer"><option value="">Any</option>""");
        foreach (var i in issuers)
        {
            w.Html($"""<option value="{i.Name}"{Selected(i.Name == issuer)}>{i.Name}</option>""");
        }
        w.Html($"""</select></div><div><button type="submit" id="apply-filter">Filter</button></div><div><a href="/">Clear</a></div></form>""");
    }

    private static HtmlMarkup Selected(bool selected) => selected ? new HtmlMarkup(" selected") : HtmlMarkup.Empty;

    private static void Pager(HtmlWriter w, int page, int pages, string? name, InventoryStatus? status, string? issuer)
    {
        string Link(int to)
        {
            var parts = new List<string>();
            if (name is not null) parts.Add("q=" + Uri.EscapeDataString(name));
            if (status is not null) parts.Add("status=" + status);
            if (issuer is not null) parts.Add("issuer=" + Uri.EscapeDataString(issuer));
            parts.Add("page=" + to.ToString(CultureInfo.InvariantCulture));
            return "/?" + string.Join("&", parts);
        }
        w.Html($"""<nav class="pager" aria-label="Pages">""");
        if (page > 1) w.Html($"""<a href="{Link(page - 1)}" rel="prev">← Previous</a>""");
        w.Html($"""<span>Page {page} of {pages}</span>""");
        if (page < pages) w.Html($"""<a href="{Link(page + 1)}" rel="next">Next →</a>""");
        w.Html($"""</nav>""");
    }
}
