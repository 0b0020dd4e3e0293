using System.Globalization;

namespace Rotor.Core.Resources;

/// <summary>
/// Single values: each is checked here for what every field of its type must hold (text without
/// control characters, a number in range, a duration Rotor can add to a date), so a bad value
/// is one error at its field and never a value that breaks later.
/// </summary>
internal sealed partial class MappingReader
{
    /// <summary>
    /// Reads text. Every text field is a path, name, host, URL, command or word; none may hold a
    /// control character or a broken surrogate (a NUL cuts a path short, a newline splits a log
    /// line). Only a shell command (<paramref name="allowLineBreaks"/>) may span lines and hold tabs.
    /// </summary>
    public string? String(string key, bool required = false, bool allowLineBreaks = false)
    {
        var node = Find(key);
        if (node is null || IsNull(node))
        {
            if (required) Error(_node, Field(key), "required", $"'{key}' is required");
            return null;
        }
        if (node is not ManifestScalar scalar)
        {
            Error(node, Field(key), "type", "must be a single value, not a list or mapping");
            return null;
        }
        return CheckText(scalar, Field(key), allowLineBreaks) ? scalar.Value : null;
    }

    public int? Int(string key, bool required = false)
    {
        var text = String(key, required);
        if (text is null) return null;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
        {
            if (IsWholeNumber(text))
            {
                Error(key, "number-range", $"{ManifestErrorList.Printable(text, 24)} is too large for this field");
            }
            else
            {
                Error(key, "type", $"'{ManifestErrorList.Printable(text)}' is not a whole number");
            }
            return null;
        }
        return v;
    }

    /// <summary>Reads a finite number: NaN and infinity compare false with every bound, so they are refused here.</summary>
    public double? Number(string key)
    {
        var text = String(key);
        if (text is null) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
        {
            Error(key, "type", $"'{ManifestErrorList.Printable(text)}' is not a number");
            return null;
        }
        if (!double.IsFinite(v))
        {
            Error(key, "number-range", $"'{ManifestErrorList.Printable(text, 24)}' is not a finite number");
            return null;
        }
        return v;
    }

    public bool? Bool(string key)
    {
        var text = String(key);
        if (text is null) return null;
        switch (text.ToLowerInvariant())
        {
            case "true" or "yes" or "on": return true;
            case "false" or "no" or "off": return false;
            default:
                Error(key, "type", $"'{ManifestErrorList.Printable(text)}' is not true or false");
                return null;
        }
    }

    /// <summary>
    /// Reads a duration of at most <paramref name="max"/> (default <see cref="ManifestLimits.MaxDuration"/>),
    /// so that every date Rotor computes from it stays representable.
    /// </summary>
    public TimeSpan? Duration(string key, TimeSpan? max = null)
    {
        var text = String(key);
        if (text is null) return null;
        if (!DurationParser.TryParse(text, out var value, out var tooLong))
        {
            if (tooLong)
            {
                Error(key, "duration-range", $"'{ManifestErrorList.Printable(text, 24)}' is longer than {DurationParser.Format(ManifestLimits.MaxDuration)} (100 years)");
            }
            else
            {
                Error(key, "duration-format", $"'{ManifestErrorList.Printable(text)}' is not a duration; write it like 2160h, 90m, 1h30m or 30d");
            }
            return null;
        }
        if (max is { } limit && value > limit)
        {
            Error(key, "duration-range", $"{DurationParser.Format(value)} is longer than the {DurationParser.Format(limit)} this field allows");
            return null;
        }
        return value;
    }

    public IReadOnlyList<string> StringList(string key)
    {
        var node = Find(key);
        if (node is null || IsNull(node)) return [];
        if (node is not ManifestSequence seq)
        {
            Error(node, Field(key), "type", "must be a list");
            return [];
        }
        var list = new List<string>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var field = $"{Field(key)}[{i}]";
            if (seq.Children[i] is ManifestScalar scalar)
            {
                if (CheckText(scalar, field, allowLineBreaks: false)) list.Add(scalar.Value);
            }
            else
            {
                Error(seq.Children[i], field, "type", "must be a single value");
            }
        }
        return list;
    }

    /// <summary>Reports the first character no text field may hold; the value itself is not shown (it may be anything).</summary>
    private bool CheckText(ManifestScalar scalar, string field, bool allowLineBreaks)
    {
        var text = scalar.Value;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF')
            {
                Error(scalar, field, "invalid-unicode", $"character {i + 1} (U+{(int)c:X4}) is not a Unicode character");
                return false;
            }
            if (char.IsControl(c) && !(allowLineBreaks && c is '\n' or '\t'))
            {
                Error(scalar, field, "control-character",
                    $"character {i + 1} is a control character (U+{(int)c:X4}); paths, names, hosts, URLs and commands may not hold one");
                return false;
            }
        }
        return true;
    }

    private static bool IsWholeNumber(string text)
    {
        var digits = text.AsSpan().Trim();
        if (digits.Length > 0 && digits[0] is '+' or '-') digits = digits[1..];
        return digits.Length > 0 && !digits.ContainsAnyExceptInRange('0', '9');
    }
}
