namespace Rotor.Core.Resources;

/// <summary>The POSIX signals a reload may send, by name, with their Linux numbers.</summary>
public static class Signals
{
    private static readonly Dictionary<string, int> Numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["USR1"] = 10, ["USR2"] = 12, ["TERM"] = 15,
    };

    public static IEnumerable<string> Names => Numbers.Keys;

    public static bool TryParse(string name, out int number)
    {
        var n = name.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? name[3..] : name;
        return Numbers.TryGetValue(n, out number);
    }
}
