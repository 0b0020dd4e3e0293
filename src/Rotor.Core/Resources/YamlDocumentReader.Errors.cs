using System.Globalization;
using YamlDotNet.Core;

namespace Rotor.Core.Resources;

internal sealed partial class YamlDocumentReader
{
    /// <summary>
    /// One step of YamlDotNet's parser. What it throws on broken text becomes one error at the
    /// field being read: its syntax errors, and the few things it does not catch itself (an
    /// escape like <c>\UFFFFFFFF</c> that names no character, a tag like <c>!![x</c> or <c>!&lt;&gt;</c>
    /// that is no URI).
    /// </summary>
    private bool TryMoveNext(Parser parser, out bool more)
    {
        more = false;
        try
        {
            more = parser.MoveNext();
            return true;
        }
        catch (YamlException ex)
        {
            return Stop(ex.Start, PathHere(), "yaml-syntax", "malformed YAML: " + ManifestErrorList.Printable(ex.InnerException?.Message ?? ex.Message, 200));
        }
        catch (ArgumentOutOfRangeException ex) when (ex.ParamName == "utf32")
        {
            return Stop(_lastMark, PathHere(), "invalid-unicode",
                "an escape (\\U or \\u) names no Unicode character; the largest is \\U0010FFFF and D800-DFFF are not characters");
        }
        catch (ArgumentException ex)
        {
            var message = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal);
            return Stop(_lastMark, PathHere(), "yaml-syntax", "malformed YAML: " + ManifestErrorList.Printable(message, 200));
        }
        catch (InvalidOperationException)
        {
            // The scanner gave up without a position of its own; the last event it read is the best clue.
            var at = parser.Current?.End ?? _lastMark;
            return Stop(at, PathHere(), "yaml-syntax", "malformed YAML after this point (an unclosed bracket or quote?)");
        }
    }

    /// <summary>The field path of the value being read now, for an error that stops reading.</summary>
    private string PathHere()
    {
        if (_stack.Count == 0) return "(document)";
        var path = Join(PathOf(_stack.Count), ChildSegment());
        return path.Length == 0 ? "(document)" : path;
    }

    /// <summary>The path of the value open at depth <paramref name="depth"/> (1 is the root).</summary>
    private string PathOf(int depth)
    {
        var path = "";
        for (var i = 0; i < depth; i++)
        {
            path = Join(path, _stack[i].Segment);
        }
        return path;
    }

    /// <summary>The path segment of the next value inside the innermost open mapping or list.</summary>
    private string ChildSegment()
    {
        if (_stack.Count == 0) return "";
        var top = _stack[^1];
        return top.Node switch
        {
            ManifestSequence seq => "[" + seq.Children.Count.ToString(CultureInfo.InvariantCulture) + "]",
            _ when top.PendingKey is ManifestScalar key => Segment(key.Value),
            _ when top.PendingKey is not null => "?",
            _ => "",
        };
    }

    private static string Segment(string key) => key.Length == 0 ? "''" : ManifestErrorList.Printable(key, 40);

    private static string Join(string path, string segment) =>
        segment.Length == 0 ? path
        : path.Length == 0 ? segment
        : segment[0] == '[' ? path + segment
        : path + "." + segment;
}
