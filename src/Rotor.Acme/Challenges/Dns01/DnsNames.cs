using System.Globalization;

namespace Rotor.Acme.Challenges.Dns01;

/// <summary>
/// DNS name helpers. Names are kept lower case with the trailing dot, because DNS compares
/// names without regard to ASCII case and the dot removes any doubt about relative names.
/// </summary>
internal static class DnsNames
{
    /// <summary><c>WWW.Example.COM</c> → <c>www.example.com.</c>; the root stays <c>.</c>.</summary>
    public static string Normalize(string name)
    {
        var trimmed = name.Trim();
        if (trimmed.Length == 0 || trimmed == ".") return ".";
        return (trimmed.EndsWith('.') ? trimmed : trimmed + ".").ToLowerInvariant();
    }

    /// <summary>For messages: without the trailing dot.</summary>
    public static string Display(string name) => name == "." ? "." : name.TrimEnd('.');

    public static bool Equal(string a, string b) => Normalize(a) == Normalize(b);

    /// <summary>True when <paramref name="name"/> is <paramref name="zone"/> or below it.</summary>
    public static bool IsAtOrBelow(string name, string zone)
    {
        var n = Normalize(name);
        var z = Normalize(zone);
        return z == "." || n == z || n.EndsWith("." + z, StringComparison.Ordinal);
    }

    /// <summary>The name one label up; null above the root.</summary>
    public static string? Parent(string name)
    {
        var n = Normalize(name);
        if (n == ".") return null;
        var dot = n.IndexOf('.', StringComparison.Ordinal);
        return dot == n.Length - 1 ? "." : n[(dot + 1)..];
    }

    /// <summary>The DNS-01 record name of a challenge, fully qualified.</summary>
    public static string RecordNameOf(ChallengeRequest request) => Normalize(request.Dns01RecordName);

    /// <summary>The identifier without its wildcard label, no trailing dot (what lego passes as "domain").</summary>
    public static string DomainOf(ChallengeRequest request) =>
        (request.Identifier.StartsWith("*.", StringComparison.Ordinal) ? request.Identifier[2..] : request.Identifier).TrimEnd('.');

    /// <summary>Short human durations for messages: <c>0.03s</c>, <c>1.5s</c>, <c>30s</c>.</summary>
    public static string Seconds(TimeSpan span) =>
        span.TotalSeconds < 10
            ? span.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture) + "s"
            : Math.Round(span.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
}

/// <summary>Names of DNS RCODEs (RFC 1035, 2136) and TSIG errors (RFC 8945) for messages.</summary>
internal static class DnsCodes
{
    public const int NoError = 0;
    public const int ServFail = 2;
    public const int NxDomain = 3;
    public const int Refused = 5;
    public const int NotAuth = 9;
    public const int NotZone = 10;

    public static string Name(int code) => code switch
    {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        // In a TSIG record's error field 16 is BADSIG (in an OPT record it would be BADVERS).
        16 => "BADSIG",
        17 => "BADKEY",
        18 => "BADTIME",
        19 => "BADMODE",
        20 => "BADNAME",
        21 => "BADALG",
        22 => "BADTRUNC",
        23 => "BADCOOKIE",
        _ => "RCODE" + code.ToString(CultureInfo.InvariantCulture),
    };
}
