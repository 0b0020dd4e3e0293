using System.Formats.Asn1;

namespace Rotor.Tests.Cmp;

/// <summary>
/// A DER encoding as a tree of tag-length-value nodes, for tests that change a message and
/// write it back with correct lengths. Boundaries are found with System.Formats.Asn1; a
/// constructed node whose content does not split into TLVs stays a leaf.
/// </summary>
internal sealed class DerNode
{
    public required byte[] Tag { get; set; }
    public byte[] Content { get; set; } = [];
    public List<DerNode>? Children { get; set; }
    public DerNode? Parent { get; set; }

    public bool IsConstructed => (Tag[0] & 0x20) != 0;

    /// <summary>The tag number of a one-byte identifier, with its class bits: 0x30 SEQUENCE, 0xA1 [1] constructed.</summary>
    public int Identifier => Tag.Length == 1 ? Tag[0] : -1;

    public static DerNode Parse(ReadOnlySpan<byte> der)
    {
        var node = ReadOne(der, out var consumed);
        return consumed == der.Length ? node : throw new ArgumentException("trailing data after the top-level value");
    }

    private static DerNode ReadOne(ReadOnlySpan<byte> source, out int consumed)
    {
        AsnDecoder.ReadEncodedValue(source, AsnEncodingRules.BER, out var contentOffset, out var contentLength, out consumed);
        var tag = Asn1Tag.Decode(source, out var tagLength);
        var node = new DerNode { Tag = source[..tagLength].ToArray(), Content = source.Slice(contentOffset, contentLength).ToArray() };
        if (tag.IsConstructed) node.Children = TryChildren(node);
        return node;
    }

    private static List<DerNode>? TryChildren(DerNode parent)
    {
        var children = new List<DerNode>();
        var rest = parent.Content.AsSpan();
        try
        {
            while (!rest.IsEmpty)
            {
                var child = ReadOne(rest, out var used);
                child.Parent = parent;
                children.Add(child);
                rest = rest[used..];
            }
        }
        catch (AsnContentException)
        {
            return null;
        }
        return children;
    }

    /// <summary>This node and all below it, in document order.</summary>
    public List<DerNode> All()
    {
        var list = new List<DerNode>();
        void Walk(DerNode n)
        {
            list.Add(n);
            foreach (var c in n.Children ?? []) Walk(c);
        }
        Walk(this);
        return list;
    }

    /// <summary>The node at a path of child indexes, or null when the shape differs.</summary>
    public DerNode? At(params int[] path)
    {
        var node = this;
        foreach (var i in path)
        {
            if (node.Children is not { } c || i < 0 || i >= c.Count) return null;
            node = c[i];
        }
        return node;
    }

    /// <summary>The first child with this one-byte identifier (e.g. 0xA1 for [1]), or null.</summary>
    public DerNode? Child(int identifier) => Children?.FirstOrDefault(c => c.Identifier == identifier);

    public void ReplaceWith(DerNode replacement)
    {
        var siblings = Parent?.Children ?? throw new InvalidOperationException("the root has no place to be replaced in");
        replacement.Parent = Parent;
        siblings[siblings.IndexOf(this)] = replacement;
    }

    public byte[] Encode()
    {
        var content = Children is { } children ? children.SelectMany(c => c.Encode()).ToArray() : Content;
        return [.. Tag, .. Length(content.Length), .. content];
    }

    public static DerNode Leaf(byte tag, byte[] content) => new() { Tag = [tag], Content = content };

    public static DerNode Constructed(byte tag, IEnumerable<DerNode> children)
    {
        var node = new DerNode { Tag = [tag], Children = [] };
        foreach (var c in children)
        {
            c.Parent = node;
            node.Children.Add(c);
        }
        return node;
    }

    public DerNode Clone() => Parse(Encode());

    private static byte[] Length(int length)
    {
        if (length < 0x80) return [(byte)length];
        var bytes = BitConverter.GetBytes(length).Reverse().SkipWhile(b => b == 0).ToArray();
        return [(byte)(0x80 | bytes.Length), .. bytes];
    }
}
