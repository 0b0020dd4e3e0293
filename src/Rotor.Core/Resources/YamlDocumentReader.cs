using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Rotor.Core.Resources;

/// <summary>One document of a file: its root value, and whether reading it found an error (a repeated key).</summary>
internal sealed record YamlDocument(ManifestNode Root, bool HasErrors);

/// <summary>
/// Turns YAML text into <see cref="ManifestNode"/> trees from YamlDotNet's parser events, with an
/// explicit stack instead of recursion, checking <see cref="ManifestLimits"/> as each event
/// arrives: a file nested too deep, with too many documents, or whose aliases stand for too many
/// values is refused before the nodes that would break the bound exist. An alias becomes the node
/// its anchor names (shared, never copied), counted as every node it stands for.
/// </summary>
internal sealed partial class YamlDocumentReader
{
    private readonly ManifestErrorList _errors;
    private readonly List<Frame> _stack = [];
    private readonly Dictionary<string, (ManifestNode Node, long Size)> _anchors = new(StringComparer.Ordinal);
    private readonly List<YamlDocument> _documents = [];
    private Mark _lastMark = Mark.Empty;
    private long _nodes;
    private int _documentCount;
    private bool _documentHasErrors;

    private YamlDocumentReader(ManifestErrorList errors) => _errors = errors;

    /// <summary>
    /// Reads every document, or returns null when the text breaks YAML's grammar or a limit: then
    /// the one error says where, and nothing after that point is read.
    /// </summary>
    public static IReadOnlyList<YamlDocument>? Read(string text, ManifestErrorList errors)
    {
        var reader = new YamlDocumentReader(errors);
        return reader.ReadAll(new Parser(new StringReader(text))) ? reader._documents : null;
    }

    private bool ReadAll(Parser parser)
    {
        while (true)
        {
            if (!TryMoveNext(parser, out var more)) return false;
            if (!more) return true;
            var e = parser.Current!;
            _lastMark = e.Start;
            if (!Accept(e)) return false;
        }
    }

    private bool Accept(ParsingEvent e)
    {
        switch (e)
        {
            case DocumentStart:
                if (++_documentCount > ManifestLimits.MaxDocuments)
                {
                    return Stop(e.Start, "(file)", "yaml-documents",
                        $"more than {ManifestLimits.MaxDocuments:N0} documents in one file; split it into several files");
                }
                _anchors.Clear(); // anchors name nodes of their own document only
                _documentHasErrors = false;
                return true;
            case MappingStart m:
                return Open(new ManifestMapping(m.Start), m.Anchor);
            case SequenceStart s:
                return Open(new ManifestSequence(s.Start), s.Anchor);
            case MappingEnd or SequenceEnd:
                var frame = _stack[^1];
                _stack.RemoveAt(_stack.Count - 1);
                Complete(frame.Node, frame.Size, frame.Anchor);
                return true;
            case Scalar s:
                if (!Count(1, s.Start, "yaml-nodes")) return false;
                Complete(new ManifestScalar(s.Start, s.Value, s.Style), 1, s.Anchor.IsEmpty ? null : s.Anchor.Value);
                return true;
            case AnchorAlias a:
                return Alias(a);
            default:
                return true; // stream start and end, document end, comments: no value
        }
    }

    private bool Open(ManifestNode node, AnchorName anchor)
    {
        if (_stack.Count >= ManifestLimits.MaxDepth)
        {
            return Stop(node.Start, PathHere(), "yaml-depth",
                $"nested more than {ManifestLimits.MaxDepth} levels deep; a Rotor document needs only a few");
        }
        if (!Count(1, node.Start, "yaml-nodes")) return false;
        _stack.Add(new Frame(node, anchor.IsEmpty ? null : anchor.Value, ChildSegment()));
        return true;
    }

    private bool Alias(AnchorAlias a)
    {
        if (!_anchors.TryGetValue(a.Value.Value, out var target))
        {
            return Stop(a.Start, PathHere(), "yaml-aliases",
                $"alias *{ManifestErrorList.Printable(a.Value.Value)} names no anchor (&) written before it in this document");
        }
        if (!Count(target.Size, a.Start, "yaml-aliases")) return false;
        Complete(target.Node, target.Size, null);
        return true;
    }

    /// <summary>Adds <paramref name="size"/> values to the file's total; past the limit, stops.</summary>
    private bool Count(long size, Mark at, string rule)
    {
        _nodes += size;
        if (_nodes <= ManifestLimits.MaxNodes) return true;
        var message = rule == "yaml-aliases"
            ? $"this alias makes the file stand for more than {ManifestLimits.MaxNodes:N0} values; aliases may not multiply a file's size"
            : $"more than {ManifestLimits.MaxNodes:N0} values in one file; split it into several files";
        return Stop(at, PathHere(), rule, message);
    }

    /// <summary>A finished value goes into its parent, or is the document's root.</summary>
    private void Complete(ManifestNode node, long size, string? anchor)
    {
        if (anchor is not null)
        {
            _anchors[anchor] = (node, size);
        }
        if (_stack.Count == 0)
        {
            _documents.Add(new YamlDocument(node, _documentHasErrors));
            return;
        }
        var parent = _stack[^1];
        parent.Size += size;
        if (parent.Node is ManifestSequence seq)
        {
            seq.Children.Add(node);
        }
        else if (parent.PendingKey is null)
        {
            parent.PendingKey = node;
            CheckDuplicate(parent, node);
        }
        else
        {
            ((ManifestMapping)parent.Node).Children.Add(new(parent.PendingKey, node));
            parent.PendingKey = null;
        }
    }

    private void CheckDuplicate(Frame mapping, ManifestNode key)
    {
        if (key is not ManifestScalar { Value: var name }) return;
        mapping.Keys ??= new HashSet<string>(StringComparer.Ordinal);
        if (!mapping.Keys.Add(name))
        {
            _errors.Add(key.Start.Line, key.Start.Column, Join(PathOf(_stack.Count), Segment(name)), "duplicate-key",
                $"'{ManifestErrorList.Printable(name)}' is written twice in this mapping");
            _documentHasErrors = true;
        }
    }

    /// <summary>Reports why reading stopped; always kept, however many errors came before it.</summary>
    private bool Stop(Mark at, string field, string rule, string message)
    {
        _errors.Add(at.Line, at.Column, field, rule, message, essential: true);
        return false;
    }

    private sealed class Frame(ManifestNode node, string? anchor, string segment)
    {
        public ManifestNode Node { get; } = node;
        public string? Anchor { get; } = anchor;

        /// <summary>This value's part of a field path: <c>key</c> or <c>[index]</c>.</summary>
        public string Segment { get; } = segment;

        /// <summary>The value itself and every value under it, aliases counted in full.</summary>
        public long Size { get; set; } = 1;

        /// <summary>A mapping's key whose value has not been read yet.</summary>
        public ManifestNode? PendingKey { get; set; }

        public HashSet<string>? Keys { get; set; }
    }
}
