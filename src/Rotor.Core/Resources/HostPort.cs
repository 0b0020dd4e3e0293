using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Rotor.Core.Resources;

/// <summary>
/// The one reading of an address users write as <c>host:port</c>: a manifest's <c>tlsEndpoint</c>,
/// the argument of <c>rotor probe</c>. The host is a DNS name or an IPv4 address, or an IPv6
/// address in brackets (<c>[2001:db8::1]:5061</c>: without them its colons cannot be told from
/// the port's); the port is a number from 1 to 65535. Bounded: the text is never longer than
/// <see cref="MaxLength"/> when it is looked at.
/// </summary>
public static class HostPort
{
    /// <summary>A DNS name is at most 253 characters; with brackets, a colon and a port this is plenty.</summary>
    public const int MaxLength = 300;

    private const string Examples = "e.g. sip.example.test:5061, 192.0.2.10:5061 or [2001:db8::1]:5061";

    /// <summary>Returns null and the parts, or what rule the text breaks (without naming the field: the caller does).</summary>
    public static string? TryParse(string? text, out string host, out int port)
    {
        host = "";
        port = 0;
        var s = (text ?? "").Trim();
        if (s.Length == 0) return $"is empty; write host:port ({Examples})";
        if (s.Length > MaxLength) return $"is {s.Length} characters long; a host:port is at most {MaxLength}";
        string portText;
        if (s.StartsWith('['))
        {
            var close = s.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= s.Length || s[close + 1] != ':')
            {
                return $"'{Shown(s)}' is not [address]:port (an IPv6 address is written in brackets, then ':' and the port)";
            }
            var inside = s[1..close];
            if (!IPAddress.TryParse(inside, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return $"'{Shown(inside)}' in brackets is not an IPv6 address";
            }
            host = inside;
            portText = s[(close + 2)..];
        }
        else
        {
            var colon = s.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) return $"'{Shown(s)}' has no port; write host:port ({Examples})";
            if (s.IndexOf(':', colon + 1) >= 0)
            {
                return $"'{Shown(s)}' has more than one ':'; write an IPv6 address in brackets ({Examples})";
            }
            if (colon == 0) return $"'{Shown(s)}' has no host before the ':' ({Examples})";
            var name = s[..colon];
            if (CheckHost(name) is { } bad) return bad;
            host = name;
            portText = s[(colon + 1)..];
        }
        if (!TryParsePort(portText, out port))
        {
            host = "";
            return $"port '{Shown(portText)}' must be a number from 1 to 65535";
        }
        return null;
    }

    /// <summary>
    /// Null when <paramref name="host"/> is a DNS name, an IPv4 address or an IPv6 address (written
    /// without brackets where the host stands alone, as in an Endpoint's <c>host</c>); else the rule it breaks.
    /// </summary>
    public static string? CheckHost(string host)
    {
        if (host.Length == 0) return "the host is empty";
        if (host.Length > 253) return $"the host is {host.Length} characters long; a DNS name is at most 253";
        return Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6
            ? null
            : $"'{Shown(host)}' is not a DNS name or an IP address";
    }

    /// <summary>A port: digits only (no sign, no spaces), from 1 to 65535.</summary>
    public static bool TryParsePort(string text, out int port)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535) return true;
        port = 0;
        return false;
    }

    /// <summary>True for a name that may be sent as SNI and checked against a certificate: a DNS name, not an address.</summary>
    public static bool IsDnsName(string host) => Uri.CheckHostName(host) == UriHostNameType.Dns;

    private static string Shown(string s) => ManifestErrorList.Printable(s);
}
