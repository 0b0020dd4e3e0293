using System.Globalization;
using System.Text.RegularExpressions;
using Rotor.Dashboard;
using Rotor.Tests.Support;

namespace Rotor.Tests.Dashboard;

/// <summary>Labels, landmarks and headings on every page; text contrast of the stylesheet's colour pairs.</summary>
public sealed partial class DashboardAccessibilityTests(DashboardFixture f) : IClassFixture<DashboardFixture>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/?status=Ready")]
    [InlineData("/certificates/sip-edge")]
    [InlineData("/certificates/sip-edge/rotate")]
    [InlineData("/events")]
    [InlineData("/endpoints")]
    [InlineData("/alerts")]
    [InlineData("/login")]
    public async Task Every_field_has_a_label_and_the_page_has_landmarks_and_one_main_heading(string path)
    {
        using var client = path == "/login" ? f.Server.NewClient() : await f.Server.LoginAsync(DashboardFixture.Operator);
        var page = await client.GetStringAsync(path);
        Assert.Contains("<html lang=\"en\">", page, StringComparison.Ordinal);
        Assert.Contains("<header", page, StringComparison.Ordinal);
        Assert.Contains("<main id=\"main\"", page, StringComparison.Ordinal);
        Assert.Contains("href=\"#main\"", page, StringComparison.Ordinal);
        if (path != "/login") Assert.Contains("<nav aria-label=\"Main\">", page, StringComparison.Ordinal);
        Assert.Single(H1().Matches(page));
        foreach (Match field in Field().Matches(page))
        {
            var tag = field.Value;
            if (tag.Contains("type=\"hidden\"", StringComparison.Ordinal)) continue;
            var id = Id().Match(tag);
            Assert.True(id.Success, $"{path}: a field without an id (so without a label): {tag}");
            Assert.Contains($"<label for=\"{id.Groups[1].Value}\">", page, StringComparison.Ordinal);
        }
        foreach (Match table in Table().Matches(page))
        {
            Assert.True(table.Value.Contains("aria-labelledby=", StringComparison.Ordinal), $"{path}: a table without a name: {table.Value}");
        }
    }

    [Fact]
    public void Every_text_colour_of_the_stylesheet_has_a_contrast_of_at_least_4_5_to_1_on_its_background()
    {
        var rules = Rule().Matches(DashboardCss.Text).ToList();
        var checkedPairs = 0;
        foreach (Match rule in rules)
        {
            var body = rule.Groups[2].Value;
            var colour = Colour().Match(body);
            if (!colour.Success) continue;
            var background = Background().Match(body);
            var selector = rule.Groups[1].Value.Trim();
            // A rule without a background of its own sits on its context's: the banner's, else the page's.
            var bg = background.Success ? background.Groups[1].Value : selector.StartsWith("header.site", StringComparison.Ordinal) ? "#1f2937" : "#ffffff";
            var ratio = Contrast(colour.Groups[1].Value, bg);
            Assert.True(ratio >= 4.5, $"{selector}: {colour.Groups[1].Value} on {bg} is {ratio:0.00}:1");
            checkedPairs++;
        }
        Assert.True(checkedPairs >= 10, $"{checkedPairs} colour rules checked");
        Assert.Contains(":focus-visible{outline:3px solid", DashboardCss.Text, StringComparison.Ordinal);
    }

    /// <summary>WCAG 2 contrast ratio of two #rrggbb colours.</summary>
    private static double Contrast(string a, string b)
    {
        static double Luminance(string hex)
        {
            double Channel(int i)
            {
                var c = int.Parse(hex.AsSpan(1 + 2 * i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
                return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
            }
            return 0.2126 * Channel(0) + 0.7152 * Channel(1) + 0.0722 * Channel(2);
        }
        var (l1, l2) = (Luminance(a), Luminance(b));
        return (Math.Max(l1, l2) + 0.05) / (Math.Min(l1, l2) + 0.05);
    }

    [GeneratedRegex("<h1[ >]")]
    private static partial Regex H1();

    [GeneratedRegex("<(input|select|textarea)\\b[^>]*>")]
    private static partial Regex Field();

    [GeneratedRegex("\\bid=\"([^\"]+)\"")]
    private static partial Regex Id();

    [GeneratedRegex("<table\\b[^>]*>")]
    private static partial Regex Table();

    [GeneratedRegex("([^{}]+)\\{([^}]*)\\}")]
    private static partial Regex Rule();

    [GeneratedRegex("(?:^|;)color:(#[0-9a-fA-F]{6})")]
    private static partial Regex Colour();

    [GeneratedRegex("background:(#[0-9a-fA-F]{6})")]
    private static partial Regex Background();
}
