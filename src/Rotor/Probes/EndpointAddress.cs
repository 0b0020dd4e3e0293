using System.Globalization;
using System.Net;

namespace Rotor.Probes;

/// <summary>Parses the <c>host:port</c> form users write for an endpoint (<c>[2001:db8::1]:5061</c> for IPv6).</summary>
public static class EndpointAddress
{
    /// <summary>Returns null and the parsed parts, or the rule the text breaks.</summary>
    public static string? TryParse(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var s = (text ?? "").Trim();
        string portText;
        if (s.StartsWith('['))
        {
            var close = s.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0) return $"'{s}' is not host:port (an IPv6 address is written [address]:port)";
            host = s[1..close];
            portText = s[(close + 2)..];
            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return $"'{host}' in brackets is not an IPv6 address";
            }
        }
        else
        {
            var colon = s.LastIndexOf(':');
            if (colon <= 0 || s.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                return $"'{s}' is not host:port (e.g. sip.example.test:5061, 192.0.2.10:5061 or [2001:db8::1]:5061)";
            }
            host = s[..colon];
            portText = s[(colon + 1)..];
            if (Uri.CheckHostName(host) is UriHostNameType.Unknown or UriHostNameType.Basic)
            {
                return $"'{host}' is not a host name or IP address";
            }
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            port = 0;
            return $"port '{portText}' must be a number from 1 to 65535";
        }
        return null;
    }

    /// <summary>True for a name that may be sent as SNI and checked against a certificate: a DNS name, not an address.</summary>
    public static bool IsDnsName(string host) => Uri.CheckHostName(host) == UriHostNameType.Dns;
}
