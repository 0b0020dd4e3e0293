using System.Globalization;

namespace Rotor.Dashboard;

/// <summary>
/// An inline SVG of how many certificates expire on each of the next days: one bar per day, the
/// first 14 days marked apart (by pattern of colour and a legend, and in each bar's title), with
/// a text summary beside it for screen readers and for anyone who cannot tell the colours apart.
/// </summary>
internal static class ExpiryTimeline
{
    private const int Width = 720;
    private const int Height = 160;
    private const int Left = 40;
    private const int Bottom = 24;
    private const int Top = 10;
    public const int SoonDays = 14;

    public static HtmlMarkup Render(IReadOnlyList<ExpiryDay> days, DateTimeOffset now, int span)
    {
        var max = Math.Max(1, days.Count == 0 ? 0 : days.Max(d => d.Count));
        var total = days.Sum(d => d.Count);
        var soon = days.Where(d => d.Day < SoonDays).Sum(d => d.Count);
        var plot = Width - Left - 10;
        var barWidth = (double)plot / span;
        var w = new HtmlWriter();
        w.Html($"""
            <section aria-labelledby="timeline-heading"><h2 id="timeline-heading">Expiry timeline, next {span} days</h2>
            <p id="timeline-summary">{total} {(total == 1 ? "certificate expires" : "certificates expire")} in the next {span} days, {soon} of them within {SoonDays} days.</p>
            <svg class="timeline" id="timeline" role="img" aria-labelledby="timeline-heading timeline-summary" viewBox="0 0 {Width} {Height}" xmlns="http://www.w3.org/2000/svg">
            <line x1="{Left}" y1="{Height - Bottom}" x2="{Width - 10}" y2="{Height - Bottom}"/>
            <line x1="{Left}" y1="{Top}" x2="{Left}" y2="{Height - Bottom}"/>
            <text x="{Left - 6}" y="{Top + 10}" text-anchor="end">{max}</text><text x="{Left - 6}" y="{Height - Bottom}" text-anchor="end">0</text>
            """);
        foreach (var tick in new[] { 0, 30, 60, 90, span })
        {
            var x = Left + tick * barWidth;
            var anchor = tick == 0 ? "start" : tick == span ? "end" : "middle";
            w.Html($"""<text x="{F(x)}" y="{Height - 6}" text-anchor="{anchor}">{(tick == 0 ? "today" : "+" + tick.ToString(CultureInfo.InvariantCulture) + "d")}</text>""");
        }
        foreach (var d in days)
        {
            var h = (double)(Height - Bottom - Top) * d.Count / max;
            var date = now.AddDays(d.Day).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            w.Html($"""
                <rect class="bar{(d.Day < SoonDays ? " soon" : "")}" x="{F(Left + d.Day * barWidth + 0.5)}" y="{F(Height - Bottom - h)}" width="{F(Math.Max(1, barWidth - 1))}" height="{F(h)}"><title>{date}: {d.Count} expiring{(d.Day < SoonDays ? " (within 14 days)" : "")}</title></rect>
                """);
        }
        w.Html($"""</svg><p class="muted">Bars: certificates whose current version expires that day; dark red bars fall within {SoonDays} days. Hover or focus a bar for its date and count.</p></section>""");
        return w.ToMarkup();
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
