using System.Text;

namespace Rotor.Tests.Resources;

/// <summary>
/// Manifests that once crashed or stalled Rotor's parser, each as small as it was found. The
/// parser tests, the CLI tests and the fuzz tests all use them.
/// </summary>
public static class HostileManifests
{
    private const string Head = "apiVersion: rotor/v1\nkind: Certificate\nmetadata: {name: hostile}\nspec:\n";

    /// <summary>About 80 KB: a list nested 40,000 deep (YamlStream recursed once per level and overflowed the stack).</summary>
    public static string DeepNesting(int depth = 40_000) =>
        Head + "  dnsNames: " + new string('[', depth) + new string(']', depth) + "\n  issuerRef: {name: local}\n";

    /// <summary>The same depth in block style (each level one more space of indent).</summary>
    public static string DeepBlockNesting(int depth = 1_000)
    {
        var sb = new StringBuilder(Head);
        for (var i = 0; i < depth; i++) sb.Append(' ', i + 2).Append("a:\n");
        return sb.ToString();
    }

    /// <summary>
    /// Under 500 bytes: nine levels of nine aliases each, the last used as a mapping key. Expanded,
    /// it stands for 9^9 (387 million) values; YamlStream hashed the key by walking them all.
    /// </summary>
    public static string AliasBomb()
    {
        var sb = new StringBuilder(Head);
        sb.Append("  a: &a [").AppendJoin(',', Enumerable.Repeat("lol", 9)).Append("]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            sb.Append("  ").Append(level).Append(": &").Append(level).Append(" [")
                .AppendJoin(',', Enumerable.Repeat("*" + previous, 9)).Append("]\n");
        }
        return sb.Append("  ? *i\n  : boom\n").ToString();
    }

    /// <summary>Only document separators: each became a document object (10 MB peaked at 570 MB).</summary>
    public static string DocumentSeparators(int bytes) => string.Concat(Enumerable.Repeat("---\n", bytes / 4));

    /// <summary>A flat list of one-letter values as long as a manifest file may be.</summary>
    public static string ManyValues(int bytes) => Head + "  dnsNames: [" + string.Concat(Enumerable.Repeat("a,", (bytes - Head.Length - 20) / 2)) + "a]\n";

    /// <summary>A valid certificate with one more line (or a changed one) under spec.</summary>
    public static string Certificate(string specLines) =>
        "apiVersion: rotor/v1\nkind: Certificate\nmetadata: {name: c}\nspec:\n  issuerRef: {name: local}\n" + specLines + "\n";
}
