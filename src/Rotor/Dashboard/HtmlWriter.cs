using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Rotor.Dashboard;

/// <summary>
/// Builds an HTML page. Markup is written through an interpolated string whose literal parts are
/// the page's own markup and whose holes are always HTML-encoded, so a certificate, target or
/// token name, an event message or an error text can never become markup. Only
/// <see cref="HtmlMarkup"/> (markup this code built, already encoded) goes in unencoded.
/// </summary>
internal sealed class HtmlWriter
{
    internal StringBuilder Builder { get; } = new(16 * 1024);

    /// <summary>Writes <paramref name="html"/>: its literal text as markup, each hole encoded.</summary>
    public HtmlWriter Html([InterpolatedStringHandlerArgument("")] ref HtmlInterpolation html)
    {
        _ = html;
        return this;
    }

    /// <summary>Markup built elsewhere by a writer (or a fixed literal), put in as it is.</summary>
    public HtmlWriter Markup(HtmlMarkup markup)
    {
        Builder.Append(markup.Value);
        return this;
    }

    public override string ToString() => Builder.ToString();

    public HtmlMarkup ToMarkup() => new(Builder.ToString());

    /// <summary>Text as HTML text or attribute value (double- or single-quoted).</summary>
    public static string Encode(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length + 16);
        EncodeTo(sb, text);
        return sb.ToString();
    }

    internal static void EncodeTo(StringBuilder sb, ReadOnlySpan<char> text)
    {
        foreach (var ch in text)
        {
            switch (ch)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                // Control characters other than tab and newline have no place in a page.
                case < ' ' and not '\t' and not '\n': sb.Append('\uFFFD'); break;
                default: sb.Append(ch); break;
            }
        }
    }
}

/// <summary>Markup that is already safe: built by an <see cref="HtmlWriter"/>, or a literal of this code.</summary>
internal readonly record struct HtmlMarkup(string Value)
{
    public static readonly HtmlMarkup Empty = new("");
}

/// <summary>The interpolation behind <see cref="HtmlWriter.Html"/>: literals appended, holes encoded.</summary>
[InterpolatedStringHandler]
internal ref struct HtmlInterpolation
{
    private readonly StringBuilder _sb;

    public HtmlInterpolation(int literalLength, int formattedCount, HtmlWriter writer)
    {
        _ = literalLength;
        _ = formattedCount;
        _sb = writer.Builder;
    }

    public readonly void AppendLiteral(string value) => _sb.Append(value);

    public readonly void AppendFormatted(string? value) => HtmlWriter.EncodeTo(_sb, value);

    public readonly void AppendFormatted(HtmlMarkup value) => _sb.Append(value.Value);

    public readonly void AppendFormatted<T>(T value) => AppendFormatted(value, null);

    public readonly void AppendFormatted<T>(T value, string? format)
    {
        var text = value switch
        {
            null => "",
            IFormattable f => f.ToString(format, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
        HtmlWriter.EncodeTo(_sb, text);
    }
}
