using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Rotor.Dashboard;

/// <summary>One request of a logged-in user: Rotor, the session, and the clock.</summary>
internal sealed record DashboardRequest(HttpContext Http, RotorHost Host, DashboardSession Session, IDashboardQueries Queries)
{
    public DateTimeOffset Now { get; } = Host.Time.GetUtcNow();
    public CancellationToken Aborted => Http.RequestAborted;

    public string? Query(string name) => Http.Request.Query[name].FirstOrDefault() is { Length: > 0 } v ? v : null;
}

/// <summary>The page shell (landmarks, navigation, the user and logout) and what every page shows the same way.</summary>
internal static class DashboardPage
{
    public const string StylesheetPath = "/static/dashboard.css";

    /// <summary>A whole page: skip link, banner with navigation, main with <paramref name="body"/>.</summary>
    public static string Render(string title, string currentPath, DashboardSession? session, HtmlMarkup body)
    {
        var w = new HtmlWriter();
        w.Html($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{title} · Rotor</title><link rel="stylesheet" href="{StylesheetPath}"></head>
            <body><a class="skip" href="#main">Skip to content</a>
            <header class="site"><a class="brand" href="/">Rotor</a>
            """);
        if (session is not null)
        {
            w.Html($"""<nav aria-label="Main"><ul>""");
            foreach (var (href, label) in Sections)
            {
                var current = href == "/" ? currentPath == "/" || currentPath.StartsWith("/certificates", StringComparison.Ordinal) : currentPath.StartsWith(href, StringComparison.Ordinal);
                w.Html($"""<li><a href="{href}"{(current ? new HtmlMarkup(" aria-current=\"page\"") : HtmlMarkup.Empty)}>{label}</a></li>""");
            }
            w.Html($"""
                </ul></nav>
                <div class="who"><span>Signed in as <strong id="who">{session.Principal.TokenName}</strong> ({session.Principal.Role})</span>
                <form method="post" action="/logout">{CsrfField(session)}<button type="submit">Log out</button></form></div>
                """);
        }
        w.Html($"""</header><main id="main" tabindex="-1">""").Markup(body).Html($"""</main></body></html>""");
        return w.ToString();
    }

    private static readonly (string Href, string Label)[] Sections =
        [("/", "Certificates"), ("/events", "Events"), ("/endpoints", "Endpoints"), ("/alerts", "Alerts")];

    public const string CsrfFieldName = "csrf";

    public static HtmlMarkup CsrfField(DashboardSession session)
    {
        var w = new HtmlWriter();
        w.Html($"""<input type="hidden" name="{CsrfFieldName}" value="{session.CsrfToken}">""");
        return w.ToMarkup();
    }

    public static string Time(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string Seconds(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Whole days from now to <paramref name="notAfter"/> (negative once expired).</summary>
    public static int? DaysLeft(DateTimeOffset? notAfter, DateTimeOffset now) => notAfter is { } t ? (int)Math.Floor((t - now).TotalDays) : null;

    /// <summary>A status as a badge: a symbol and a word, the colour only a third cue.</summary>
    public static HtmlMarkup Badge(InventoryStatus status)
    {
        var (css, symbol, text) = status switch
        {
            InventoryStatus.Ready => ("s-ok", "✓", "Ready"),
            InventoryStatus.Expiring => ("s-warn", "◔", "Expiring"),
            InventoryStatus.Rotating => ("s-info", "↻", "Rotating"),
            InventoryStatus.Pending => ("s-info", "…", "Pending"),
            InventoryStatus.NotReady => ("s-warn", "!", "Not ready"),
            InventoryStatus.Failing => ("s-bad", "✗", "Failing"),
            _ => ("s-bad", "✗", "Expired"),
        };
        return Badge(css, symbol, text);
    }

    public static HtmlMarkup Badge(string css, string symbol, string text)
    {
        var w = new HtmlWriter();
        w.Html($"""<span class="badge {css}"><span aria-hidden="true">{symbol}</span> {text}</span>""");
        return w.ToMarkup();
    }

    /// <summary>Path of a certificate's page; the name is percent-encoded (and the link HTML-encoded where it is written).</summary>
    public static string CertificatePath(string name) => "/certificates/" + Uri.EscapeDataString(name);
}
