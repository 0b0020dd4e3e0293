using System.Text;

namespace Rotor.Acme.Transport;

/// <summary>
/// The bounds on what the client takes from a server. Each is far above what a working CA sends
/// (Let's Encrypt: bodies of a few KB, at most 100 identifiers, chains of 2 to 3 certificates,
/// one alternate chain) and low enough that a broken or hostile server cannot make the client
/// hold much memory, make many requests or wait for years.
/// </summary>
internal static class AcmeLimits
{
    /// <summary>Directory, account, order, authorization, challenge, problem and renewalInfo documents.</summary>
    public const int MaxJsonBytes = 1024 * 1024;

    /// <summary>A PEM certificate chain.</summary>
    public const int MaxChainBytes = 4 * 1024 * 1024;

    public const int MaxChainCertificates = 10;

    /// <summary>Alternate chains downloaded when looking for a preferred issuer.</summary>
    public const int MaxAlternates = 8;

    /// <summary>Link header entries kept from one response.</summary>
    public const int MaxLinks = 32;

    public const int MaxAuthorizations = 100;

    public const int MaxIdentifiers = 100;

    public const int MaxChallenges = 32;

    public const int MaxSubproblems = 32;

    public const int MaxContacts = 32;

    public const int MaxProfiles = 64;

    public const int MaxUrlLength = 4096;

    /// <summary>Statuses, types and other short tokens; identifier values (a DNS name is at most 253).</summary>
    public const int MaxTokenLength = 256;

    /// <summary>Nonces are base64url (RFC 8555 6.5.1); real ones are 20 to 50 characters.</summary>
    public const int MaxNonceLength = 512;

    /// <summary>Nonces kept for later requests; more are dropped (a fresh one is always fetchable).</summary>
    public const int MaxPooledNonces = 64;

    /// <summary>Server text (problem detail, profile description) quoted in messages.</summary>
    public const int MaxQuotedChars = 1024;

    /// <summary>
    /// The longest Retry-After taken as it is. A year is above any rate-limit window and any
    /// renewalInfo recheck a CA means (Rotor honours long ones: a recheck after the renewal
    /// window is the renewal time itself); a larger value (the header holds up to 68 years, a
    /// date up to year 9999) is read as a year, so that adding it to now never overflows.
    /// </summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(365);

    /// <summary>Dates further than this from now (order expiry, ARI windows) are not believed.</summary>
    public static readonly TimeSpan MaxDateDistance = TimeSpan.FromDays(100 * 365);

    /// <summary>
    /// Server text for a message or a log line: control characters (line breaks that would forge
    /// log lines, terminal escapes) become spaces, and long text is cut with a mark.
    /// </summary>
    public static string Quote(string? text, int max = MaxQuotedChars)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var cut = text.Length > max;
        var span = cut ? text.AsSpan(0, max) : text.AsSpan();
        var builder = new StringBuilder(span.Length + 16);
        foreach (var c in span) builder.Append(char.IsControl(c) ? ' ' : c);
        if (cut) builder.Append("... (").Append(text.Length).Append(" characters)");
        return builder.ToString();
    }

    /// <summary>base64url (RFC 4648 section 5) without padding, as nonces and challenge tokens are.</summary>
    public static bool IsBase64Url(string value, int maxLength) =>
        value.Length is > 0 && value.Length <= maxLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
