using System.Text;

namespace Rotor.Core.Resources;

/// <summary>
/// Turns a manifest file's bytes into text the way YAML says (UTF-8, or UTF-16/32 when a byte
/// order mark says so), refusing bytes that are not valid in that encoding. A lenient decoder
/// would put U+FFFD in their place, and a path or name with a character nobody wrote would be
/// stored as if it were meant.
/// </summary>
internal static class ManifestText
{
    private static readonly (byte[] Mark, Encoding Encoding)[] Encodings =
    [
        // UTF-32 first: its little-endian mark begins with UTF-16's.
        ([0xFF, 0xFE, 0x00, 0x00], new UTF32Encoding(bigEndian: false, byteOrderMark: false, throwOnInvalidCharacters: true)),
        ([0x00, 0x00, 0xFE, 0xFF], new UTF32Encoding(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true)),
        ([0xEF, 0xBB, 0xBF], new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true)),
        ([0xFF, 0xFE], new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true)),
        ([0xFE, 0xFF], new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true)),
    ];

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryDecode(ReadOnlySpan<byte> content, string file, out string text, out ManifestError error)
    {
        var encoding = Utf8;
        var body = content;
        foreach (var (mark, candidate) in Encodings)
        {
            if (content.StartsWith(mark))
            {
                encoding = candidate;
                body = content[mark.Length..];
                break;
            }
        }
        try
        {
            text = encoding.GetString(body);
            error = null!;
            return true;
        }
        catch (DecoderFallbackException ex)
        {
            text = "";
            error = Invalid(body, encoding, ex.Index, file);
            return false;
        }
    }

    /// <summary>The line and column of the first invalid byte (counted for UTF-8, the encoding nearly every manifest has).</summary>
    private static ManifestError Invalid(ReadOnlySpan<byte> body, Encoding encoding, int index, string file)
    {
        var at = Math.Clamp(index, 0, body.Length);
        var before = body[..at];
        var line = before.Count((byte)'\n') + 1;
        var column = at - (before.LastIndexOf((byte)'\n') + 1) + 1;
        var bad = at < body.Length ? $" (byte 0x{body[at]:X2})" : "";
        var name = encoding is UTF8Encoding ? "UTF-8" : encoding.WebName.ToUpperInvariant();
        return new ManifestError(file, line, column, "(file)", "invalid-utf8",
            $"the file is not valid {name} at byte {at + 1}{bad}; save it as UTF-8");
    }
}
