using System.Globalization;
using Rotor.Core.Abstractions;

namespace Rotor.Dashboard;

/// <summary>
/// <c>/events</c>: the audit and event feed, newest first, filtered by kind, name and type, paged by
/// id (older pages stay stable while new events arrive).
/// </summary>
internal static class EventsPage
{
    public const int PageSize = 50;

    public static async Task ShowAsync(DashboardRequest r)
    {
        var kind = r.Query("kind");
        var name = r.Query("name");
        EventType? type = Enum.TryParse<EventType>(r.Query("type"), ignoreCase: true, out var t) && Enum.IsDefined(t) ? t : null;
        long? before = long.TryParse(r.Query("before"), NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? b : null;
        // One more than shown tells whether an older page exists.
        var events = await ((IQueryStore)r.Host.Store).QueryEventsAsync(new EventQuery(before, PageSize + 1) { Kind = kind, Name = name, Type = type }, r.Aborted);
        var shown = events.Take(PageSize).ToList();
        long? olderThan = events.Count > PageSize ? shown[^1].Id : null;

        var w = new HtmlWriter();
        w.Html($"""
            <h1>Events</h1>
            <form class="filters" method="get" action="/events" role="search" aria-label="Filter events">
            <div><label for="e-kind">Kind</label><select id="e-kind" name="kind"><option value="">Any</option>
            """);
        foreach (var k in Core.Resources.ResourceKinds.All)
        {
            w.Html($"""<option value="{k}"{(k == kind ? new HtmlMarkup(" selected") : HtmlMarkup.Empty)}>{k}</option>""");
        }
        w.Html($"""
            </select></div>
            <div><label for="e-name">Name</label><input id="e-name" name="name" value="{name}" maxlength="253"></div>
            <div><label for="e-type">Type</label><select id="e-type" name="type"><option value="">Any</option>
            <option value="Normal"{(type == EventType.Normal ? new HtmlMarkup(" selected") : HtmlMarkup.Empty)}>Normal</option>
            <option value="Warning"{(type == EventType.Warning ? new HtmlMarkup(" selected") : HtmlMarkup.Empty)}>Warning</option></select></div>
            <div><button type="submit">Filter</button></div><div><a href="/events">Clear</a></div></form>
            <h2 id="feed-heading">Newest first</h2>
            """);
        Table(w, "feed-heading", shown, withSubject: true);
        w.Html($"""<nav class="pager" aria-label="Pages">""");
        if (before is not null) w.Html($"""<a href="{Link(kind, name, type, null)}">Newest</a>""");
        if (olderThan is { } older) w.Html($"""<a href="{Link(kind, name, type, older)}" rel="next">Older →</a>""");
        w.Html($"""</nav>""");
        await DashboardEndpoints.WriteHtmlAsync(r.Http, "Events", r.Session, w.ToMarkup());
    }

    private static string Link(string? kind, string? name, EventType? type, long? before)
    {
        var parts = new List<string>();
        if (kind is not null) parts.Add("kind=" + Uri.EscapeDataString(kind));
        if (name is not null) parts.Add("name=" + Uri.EscapeDataString(name));
        if (type is not null) parts.Add("type=" + type);
        if (before is not null) parts.Add("before=" + before.Value.ToString(CultureInfo.InvariantCulture));
        return "/events" + (parts.Count > 0 ? "?" + string.Join("&", parts) : "");
    }

    /// <summary>Events as a table; <paramref name="withSubject"/> adds what each is about (with a link for certificates).</summary>
    public static void Table(HtmlWriter w, string headingId, IEnumerable<EventRecord> events, bool withSubject)
    {
        w.Html($"""<table aria-labelledby="{headingId}" class="events"><thead><tr><th scope="col">Time (UTC)</th>""");
        if (withSubject) w.Html($"""<th scope="col">Subject</th>""");
        w.Html($"""<th scope="col">Type</th><th scope="col">Reason</th><th scope="col">Message</th></tr></thead><tbody>""");
        var any = false;
        foreach (var e in events)
        {
            any = true;
            w.Html($"""<tr data-reason="{e.Reason}"><td>{DashboardPage.Seconds(e.At)}</td>""");
            if (withSubject)
            {
                if (e.Kind == Core.Resources.ResourceKinds.Certificate)
                    w.Html($"""<td>{e.Kind}/<a href="{DashboardPage.CertificatePath(e.Name)}">{e.Name}</a></td>""");
                else
                    w.Html($"""<td>{e.Kind}/{e.Name}</td>""");
            }
            w.Html($"""
                <td>{(e.Type == EventType.Warning ? DashboardPage.Badge("s-warn", "!", "Warning") : DashboardPage.Badge("s-info", "i", "Normal"))}</td>
                <td class="reason">{e.Reason}</td><td class="message">{e.Message}</td></tr>
                """);
        }
        if (!any) w.Html($"""<tr><td colspan="{(withSubject ? 5 : 4)}">No events.</td></tr>""");
        w.Html($"""</tbody></table>""");
    }
}
