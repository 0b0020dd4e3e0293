using System.Globalization;
using System.Text;

namespace Rotor.Core.Resources;

/// <summary>
/// The errors of one parse. Counts every error, so a document with an error is never taken for
/// valid, but keeps at most <see cref="ManifestLimits.MaxErrors"/>: a file with half a million
/// unknown keys gets a readable report, not half a million lines.
/// </summary>
internal sealed class ManifestErrorList(string file)
{
    private readonly List<ManifestError> _kept = [];

    public string File { get; } = file;

    /// <summary>Every error reported so far, kept or not.</summary>
    public int Count { get; private set; }

    /// <summary>Whether the next (non-essential) error is kept rather than only counted.</summary>
    public bool WillKeep => _kept.Count < ManifestLimits.MaxErrors;

    /// <summary>Adds an error; past the limit it is only counted, unless it is <paramref name="essential"/>.</summary>
    public void Add(ManifestError error, bool essential = false)
    {
        Count++;
        if (_kept.Count < ManifestLimits.MaxErrors || essential) _kept.Add(error);
    }

    public void Add(long line, long column, string field, string rule, string message, bool essential = false) =>
        Add(new ManifestError(File, ClampToInt(line), ClampToInt(column), field, rule, message), essential);

    /// <summary>The kept errors, and one more that says how many were left out.</summary>
    public List<ManifestError> ToList()
    {
        var list = new List<ManifestError>(_kept);
        if (Count > _kept.Count)
        {
            list.Add(new ManifestError(File, 0, 0, "(file)", "error-limit",
                $"{(Count - _kept.Count).ToString("N0", CultureInfo.InvariantCulture)} more error(s) not shown; fix the ones above first"));
        }
        return list;
    }

    private static int ClampToInt(long value) => value > int.MaxValue ? int.MaxValue : (int)value;

    /// <summary>
    /// A key or value fit to show in an error message: control characters and broken surrogates
    /// spelled as <c>\uXXXX</c>, and long text cut, so a message never carries raw bytes to a terminal.
    /// </summary>
    public static string Printable(string text, int max = 80)
    {
        var sb = new StringBuilder(Math.Min(text.Length, max) + 8);
        for (var i = 0; i < text.Length; i++)
        {
            if (sb.Length >= max)
            {
                sb.Append('…');
                break;
            }
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[++i]);
            }
            else if (char.IsControl(c) || char.IsSurrogate(c))
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
