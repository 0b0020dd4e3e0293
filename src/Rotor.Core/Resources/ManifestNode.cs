using YamlDotNet.Core;

namespace Rotor.Core.Resources;

/// <summary>
/// One YAML value as Rotor reads it, with where it starts. Built by
/// <see cref="YamlDocumentReader"/> from the parser's events (never by recursion), so its shape
/// is already within <see cref="ManifestLimits"/>. An alias is the very node its anchor names.
/// </summary>
internal abstract class ManifestNode(Mark start)
{
    public Mark Start { get; } = start;
}

internal sealed class ManifestScalar(Mark start, string value, ScalarStyle style) : ManifestNode(start)
{
    public string Value { get; } = value;
    public ScalarStyle Style { get; } = style;

    /// <summary>An empty plain value, <c>~</c> or <c>null</c>: a field written but left empty.</summary>
    public bool IsNull => Style == ScalarStyle.Plain && Value is "" or "~" or "null";
}

internal sealed class ManifestSequence(Mark start) : ManifestNode(start)
{
    public List<ManifestNode> Children { get; } = [];
}

internal sealed class ManifestMapping(Mark start) : ManifestNode(start)
{
    /// <summary>Key and value pairs in the order written; keys may repeat only if the reader reported it.</summary>
    public List<KeyValuePair<ManifestNode, ManifestNode>> Children { get; } = [];
}
