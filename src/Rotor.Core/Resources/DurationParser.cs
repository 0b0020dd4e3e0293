using System.Globalization;

namespace Rotor.Core.Resources;

/// <summary>
/// Go-style durations as cert-manager writes them (<c>2160h</c>, <c>1h30m</c>, <c>90s</c>), plus
/// <c>d</c> for days. A bare number is refused: it is ambiguous. So is anything longer than
/// <see cref="ManifestLimits.MaxDuration"/>: dates computed from it would not be representable.
/// </summary>
public static class DurationParser
{
    public static bool TryParse(string text, out TimeSpan value) => TryParse(text, out value, out _);

    /// <summary>As <see cref="TryParse(string, out TimeSpan)"/>; <paramref name="tooLong"/> tells a well-written but too long duration from a malformed one.</summary>
    public static bool TryParse(string text, out TimeSpan value, out bool tooLong)
    {
        value = TimeSpan.Zero;
        tooLong = false;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return false;
        }
        var total = 0.0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }
            if (i == start || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }
            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }
            double? seconds = s[unitStart..i] switch
            {
                "ms" => number / 1000,
                "s" => number,
                "m" => number * 60,
                "h" => number * 3600,
                "d" => number * 86400,
                _ => null,
            };
            if (seconds is null)
            {
                return false;
            }
            total += seconds.Value;
        }
        if (!(total <= ManifestLimits.MaxDuration.TotalSeconds))
        {
            tooLong = true; // also a sum that overflowed to infinity
            return false;
        }
        value = TimeSpan.FromSeconds(total);
        return true;
    }

    /// <summary>Formats as the shortest Go-style string, e.g. <c>2160h</c> or <c>1h30m</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }
        var parts = new List<string>();
        var hours = (long)value.TotalHours;
        if (hours > 0) parts.Add(hours.ToString(CultureInfo.InvariantCulture) + "h");
        if (value.Minutes > 0) parts.Add(value.Minutes.ToString(CultureInfo.InvariantCulture) + "m");
        if (value.Seconds > 0) parts.Add(value.Seconds.ToString(CultureInfo.InvariantCulture) + "s");
        if (parts.Count == 0) parts.Add(((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms");
        return string.Concat(parts);
    }
}
