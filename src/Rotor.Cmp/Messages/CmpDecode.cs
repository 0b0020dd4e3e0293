using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace Rotor.Cmp.Messages;

/// <summary>
/// Decoding of server content. BouncyCastle's ASN.1 classes and the .NET certificate loader
/// report content that is not what it claims with several exception types; <see cref="Run{T}"/>
/// turns each into a <see cref="CmpException"/> (<see cref="CmpReasons.Malformed"/>) that names
/// the part, so nothing else leaves the client.
/// </summary>
internal static class CmpDecode
{
    /// <summary>extraCerts of one response (RFC 9483 expects the signer and its chain: a handful).</summary>
    public const int MaxExtraCerts = 32;

    /// <summary>caPubs of one ip (a few root certificates).</summary>
    public const int MaxCaPubs = 32;

    public static T Run<T>(string what, Func<T> decode)
    {
        try
        {
            return decode();
        }
        catch (Exception e) when (IsMalformedContent(e))
        {
            throw CmpException.Malformed(what + " is malformed", e);
        }
    }

    /// <summary>
    /// The exceptions decoding throws for malformed input: Asn1Exception and truncated streams
    /// (IOException), wrong tags and types (ArgumentException, InvalidCastException,
    /// InvalidOperationException), numbers out of range (ArithmeticException), certificates
    /// (CryptographicException), keys (BouncyCastle's SecurityUtilityException, CryptoException).
    /// </summary>
    public static bool IsMalformedContent(Exception e) =>
        e is IOException or ArgumentException or InvalidCastException or InvalidOperationException or FormatException
            or ArithmeticException or IndexOutOfRangeException or CryptographicException or SecurityUtilityException or CryptoException
            or GeneralSecurityException;

    /// <summary>
    /// How many entries the <c>[tagNo] EXPLICIT SEQUENCE OF</c> field of a structure holds,
    /// counted before BouncyCastle decodes each of them (GetExtraCerts and GetCAPubs decode all).
    /// </summary>
    public static int CountOf(Asn1Encodable structure, int tagNo) =>
        Asn1Sequence.GetInstance(structure.ToAsn1Object()).OfType<Asn1TaggedObject>().FirstOrDefault(t => t.HasContextTag(tagNo)) is { } field
            ? Asn1Sequence.GetInstance(field, true).Count
            : 0;

    /// <summary>A small INTEGER as text; a huge one is not turned into digits (that alone is quadratic work).</summary>
    public static string Describe(DerInteger value) => Describe(value.Value);

    public static string Describe(Org.BouncyCastle.Math.BigInteger value) =>
        value.BitLength <= 63 ? value.LongValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"of {value.BitLength} bits";
}

/// <summary>Server text (statusString, errorDetails) as it may go into messages and logs.</summary>
internal static class CmpText
{
    public const int MaxLines = 8;
    public const int MaxLineChars = 512;

    /// <summary>Control characters (forged log lines, terminal escapes) become spaces; long text is cut with a mark.</summary>
    public static string Quote(string? text, int max = MaxLineChars)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var cut = text.Length > max;
        var builder = new StringBuilder(Math.Min(text.Length, max) + 16);
        foreach (var c in cut ? text.AsSpan(0, max) : text.AsSpan()) builder.Append(char.IsControl(c) ? ' ' : c);
        if (cut) builder.Append("... (").Append(text.Length).Append(" characters)");
        return builder.ToString();
    }

    /// <summary>The first <see cref="MaxLines"/> lines of a PKIFreeText, each quoted.</summary>
    public static List<string> Lines(Org.BouncyCastle.Asn1.Cmp.PkiFreeText? free)
    {
        var lines = new List<string>();
        if (free is null) return lines;
        for (var i = 0; i < free.Count && i < MaxLines; i++) lines.Add(Quote(free[i].GetString()));
        if (free.Count > MaxLines) lines.Add($"({free.Count - MaxLines} more lines)");
        return lines;
    }
}
