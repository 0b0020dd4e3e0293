namespace Rotor.Core.Validation;

/// <summary>One <c>-----BEGIN label-----</c> … <c>-----END label-----</c> block of a PEM text.</summary>
/// <param name="Label">The label, e.g. <c>CERTIFICATE</c> or <c>PRIVATE KEY</c>.</param>
/// <param name="Line">The 1-based line of the BEGIN boundary, for messages.</param>
/// <param name="Base64">The text between the boundaries (base64 with line breaks).</param>
public sealed record PemBlock(string Label, int Line, string Base64)
{
    /// <summary>The DER bytes, or null when the body is empty or not base64 (surrounding white space is allowed).</summary>
    public byte[]? TryDecode()
    {
        // Base64 never grows: 3 bytes per 4 characters bound the buffer from above.
        var buffer = new byte[Base64.Length / 4 * 3 + 3];
        return Convert.TryFromBase64String(Base64, buffer, out var written) && written > 0 ? buffer[..written] : null;
    }
}

/// <summary>The outcome of <see cref="PemBlocks.Scan"/>: the blocks found, or the first problem that stopped the scan.</summary>
/// <param name="LimitReached">True when the scan stopped because the text holds more blocks than allowed.</param>
public sealed record PemScan(IReadOnlyList<PemBlock> Blocks, string? Error, bool LimitReached = false)
{
    public bool Ok => Error is null;
}

/// <summary>
/// Finds PEM blocks (RFC 7468) in one pass. .NET's own PEM search looks for an END boundary
/// after every BEGIN it meets, so a text of many BEGIN lines without END costs quadratic time;
/// this scan stops at the first BEGIN without END, and at <c>maxBlocks</c>, so its work is
/// linear in the text and its result bounded.
/// </summary>
public static class PemBlocks
{
    private const string Begin = "-----BEGIN ";
    private const string End = "-----END ";
    private const string Dashes = "-----";

    /// <summary>Labels longer than this are not PEM (RFC 7468 labels are short words).</summary>
    public const int MaxLabelLength = 64;

    /// <summary>
    /// Every block of <paramref name="text"/>, in order; text outside blocks is ignored (it is allowed
    /// before, between and after blocks). Stops with an error at a boundary that is not well formed, a
    /// BEGIN without its END, or a block beyond <paramref name="maxBlocks"/>.
    /// </summary>
    public static PemScan Scan(string text, int maxBlocks)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBlocks);
        var blocks = new List<PemBlock>();
        var lines = new LineCounter(text);
        var pos = 0;
        while (true)
        {
            var begin = text.IndexOf(Begin, pos, StringComparison.Ordinal);
            if (begin < 0) return new PemScan(blocks, null);
            var line = lines.LineOf(begin);
            if (blocks.Count == maxBlocks)
            {
                return new PemScan(blocks, $"more than {maxBlocks} PEM blocks (block {maxBlocks + 1} begins at line {line}); Rotor reads at most {maxBlocks} from one input", LimitReached: true);
            }
            var labelStart = begin + Begin.Length;
            var label = ReadLabel(text, labelStart);
            if (label is null)
            {
                return new PemScan(blocks, $"line {line}: a BEGIN boundary without a well-formed label ('-----BEGIN LABEL-----')");
            }
            var bodyStart = labelStart + label.Length + Dashes.Length;
            var end = text.IndexOf(End, bodyStart, StringComparison.Ordinal);
            if (end < 0)
            {
                return new PemScan(blocks, $"line {line}: BEGIN {label} has no END boundary");
            }
            // A second BEGIN before the END means the first block was never closed.
            var nested = text.IndexOf(Begin, bodyStart, end - bodyStart, StringComparison.Ordinal);
            if (nested >= 0)
            {
                return new PemScan(blocks, $"line {line}: BEGIN {label} is not closed before the next BEGIN at line {lines.LineOf(nested)}");
            }
            var endLabel = ReadLabel(text, end + End.Length);
            if (!string.Equals(endLabel, label, StringComparison.Ordinal))
            {
                return new PemScan(blocks, $"line {line}: BEGIN {label} ends with a different END boundary at line {lines.LineOf(end)}");
            }
            blocks.Add(new PemBlock(label, line, text[bodyStart..end]));
            pos = end + End.Length + label.Length + Dashes.Length;
        }
    }

    /// <summary>The label at <paramref name="start"/> up to the closing dashes on the same line, or null if malformed.</summary>
    private static string? ReadLabel(string text, int start)
    {
        // Looks at most MaxLabelLength + 5 characters, so a long line costs nothing extra.
        var window = text.AsSpan(start, Math.Min(text.Length - start, MaxLabelLength + Dashes.Length));
        var close = window.IndexOf(Dashes, StringComparison.Ordinal);
        if (close <= 0) return null;
        var label = window[..close];
        // RFC 7468: printable ASCII; inner spaces and hyphens only.
        foreach (var c in label)
        {
            if (c is < ' ' or > '~') return null;
        }
        return label[0] is ' ' or '-' || label[^1] is ' ' or '-' ? null : label.ToString();
    }

    /// <summary>Line numbers for increasing positions, counting each character once over the whole scan.</summary>
    private sealed class LineCounter(string text)
    {
        private int _pos;
        private int _line = 1;

        public int LineOf(int position)
        {
            if (position < _pos) return 1 + text.AsSpan(0, position).Count('\n');
            _line += text.AsSpan(_pos, position - _pos).Count('\n');
            _pos = position;
            return _line;
        }
    }
}
