namespace Rotor.Core.Resources;

/// <summary>
/// "Did you mean": the known field closest to a misspelt one, by edit distance (insertions,
/// deletions, substitutions; case ignored), when it is close enough to be the likely intent.
/// </summary>
internal static class FieldSuggestion
{
    /// <summary>Longer keys are not compared: no field name is this long, so nothing is close.</summary>
    private const int MaxKeyLength = 64;

    /// <summary>The closest of <paramref name="known"/>, or null when none is close (at most 2 edits, and under a third of its length).</summary>
    public static string? Closest(string key, IEnumerable<string> known)
    {
        if (key.Length == 0 || key.Length > MaxKeyLength) return null;
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var allowed = Math.Min(2, (candidate.Length - 1) / 3);
            if (allowed < 1 && !string.Equals(key, candidate, StringComparison.OrdinalIgnoreCase)) continue;
            if (Math.Abs(candidate.Length - key.Length) > allowed) continue;
            var distance = Distance(key, candidate);
            if (distance <= allowed && (distance < bestDistance || distance == bestDistance && string.CompareOrdinal(candidate, best) < 0))
            {
                (best, bestDistance) = (candidate, distance);
            }
        }
        return best;
    }

    /// <summary>Levenshtein distance, case-insensitive, in two rows.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
