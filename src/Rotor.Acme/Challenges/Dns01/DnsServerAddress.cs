using System.Globalization;
using System.Net;
using Rotor.Acme.Transport;

namespace Rotor.Acme.Challenges.Dns01;

/// <summary>
/// A DNS server as configured: <c>host</c>, <c>host:port</c>, <c>[v6]:port</c> or a bare IPv6
/// address; the port defaults to the one given to <see cref="Parse"/>.
/// </summary>
internal sealed record DnsServerAddress(string Host, int Port)
{
    public static DnsServerAddress Parse(string text, int defaultPort)
    {
        var s = text.Trim();
        string host;
        var port = defaultPort;
        if (s.StartsWith('['))
        {
            var close = s.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw Bad(text);
            host = s[1..close];
            var rest = s[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':')) throw Bad(text);
                port = ParsePort(rest[1..], text);
            }
        }
        else if (s.Count(c => c == ':') == 1)
        {
            var colon = s.IndexOf(':', StringComparison.Ordinal);
            host = s[..colon];
            port = ParsePort(s[(colon + 1)..], text);
        }
        else
        {
            host = s; // a name, an IPv4 address, or an IPv6 address without brackets (no port)
        }
        if (host.Length == 0 || host.Any(char.IsWhiteSpace)) throw Bad(text);
        return new DnsServerAddress(host, port);
    }

    private static int ParsePort(string text, string whole) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 65535 ? p : throw Bad(whole);

    private static AcmeException Bad(string text) =>
        Dns01Causes.Fail(Dns01Causes.Config, $"'{text}' is not a DNS server address (host, host:port or [ipv6]:port)", transient: false);

    /// <summary>The addresses to send to: the literal address, or the host name resolved by the system.</summary>
    public async Task<IReadOnlyList<IPEndPoint>> ResolveAsync(CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(Host, out var ip)) return [new IPEndPoint(ip, Port)];
        try
        {
            var addresses = await System.Net.Dns.GetHostAddressesAsync(Host, cancellationToken);
            if (addresses.Length == 0) throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound);
            return addresses.Select(a => new IPEndPoint(a, Port)).ToList();
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw Dns01Causes.Fail(Dns01Causes.Unreachable, $"cannot resolve the DNS server name {Host}: {e.Message}", transient: true, e);
        }
    }

    public override string ToString() => Format(Host, Port);

    public static string Format(string host, int port) =>
        host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";

    public static string Format(IPEndPoint endPoint) => Format(endPoint.Address.ToString(), endPoint.Port);
}

/// <summary>One server to ask directly, with the name it is known by (the NS host name) for messages.</summary>
internal sealed record NamedServer(string Label, IPEndPoint EndPoint)
{
    public override string ToString()
    {
        var address = DnsServerAddress.Format(EndPoint);
        return Label == EndPoint.Address.ToString() || Label == address ? address : $"{Label} ({address})";
    }
}
