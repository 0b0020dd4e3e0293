using System.Net;
using System.Net.Sockets;

namespace Rotor.Core.Resources;

/// <summary>
/// The reading of a scan's <c>host:port</c> entries: a plain <see cref="HostPort"/>, or a range of
/// IPv4 addresses (<c>10.0.0.1-10.0.0.20:5061</c>) and/or of ports (<c>sip.example.test:5061-5063</c>).
/// Bounded: one scan expands to at most <see cref="MaxExpansion"/> endpoints, checked before anything is made.
/// </summary>
public static class ScanTargets
{
    public const int MaxExpansion = 4096;

    /// <summary>One endpoint to scan: the host (a name or an address) and the port.</summary>
    public sealed record Address(string Host, int Port)
    {
        public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
    }

    /// <summary>How many endpoints <paramref name="entry"/> stands for, or the rule it breaks.</summary>
    public static string? TryCount(string entry, out long count)
    {
        count = 0;
        if (Split(entry, out _, out var first, out var last, out var lowPort, out var highPort) is { } bad) return bad;
        count = (last - first + 1) * (highPort - lowPort + 1);
        return null;
    }

    /// <summary>Every endpoint of the entries, in order, without repeats; or the first rule broken (with the entry's index).</summary>
    public static string? TryExpand(IReadOnlyList<string> entries, out List<Address> addresses)
    {
        addresses = [];
        long total = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            if (TryCount(entries[i], out var n) is { } bad) return $"[{i}]: {bad}";
            total += n;
            if (total > MaxExpansion) return $"[{i}]: the entries expand to more than {MaxExpansion} endpoints; split the scan";
        }
        var seen = new HashSet<Address>();
        foreach (var entry in entries)
        {
            Split(entry, out var host, out var first, out var last, out var lowPort, out var highPort);
            for (var a = first; a <= last; a++)
            {
                var name = host ?? new IPAddress(BitConverter.GetBytes(IPAddress.HostToNetworkOrder((int)a))).ToString();
                for (var p = lowPort; p <= highPort; p++)
                {
                    var address = new Address(name, (int)p);
                    if (seen.Add(address)) addresses.Add(address);
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Splits an entry into an address range (IPv4 as numbers; a single name or IPv6 address is the range 0..0)
    /// and a port range; <paramref name="host"/> is the name or address when the entry is not an address range.
    /// </summary>
    private static string? Split(string entry, out string? host, out long first, out long last, out long lowPort, out long highPort)
    {
        host = null;
        first = last = 0;
        lowPort = highPort = 0;
        var s = (entry ?? "").Trim();
        if (s.Length > HostPort.MaxLength) return $"is {s.Length} characters long; an entry is at most {HostPort.MaxLength}";
        var colon = s.LastIndexOf(':');
        var portPart = colon >= 0 ? s[(colon + 1)..] : "";
        var dash = portPart.IndexOf('-', StringComparison.Ordinal);
        string plain;
        if (dash >= 0)
        {
            if (!HostPort.TryParsePort(portPart[..dash], out var lo) || !HostPort.TryParsePort(portPart[(dash + 1)..], out var hi) || hi < lo)
            {
                return $"port range '{ManifestErrorList.Printable(portPart)}' must be LOW-HIGH, two ports from 1 to 65535 with LOW <= HIGH";
            }
            lowPort = lo;
            highPort = hi;
            plain = s[..colon] + ":" + lo.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            plain = s;
        }
        var hostPart = colon >= 0 ? s[..colon] : s;
        if (!hostPart.StartsWith('[') && hostPart.Contains('-', StringComparison.Ordinal) && IsIpv4Range(hostPart, out var a, out var b, out var rangeError))
        {
            if (rangeError is not null) return rangeError;
            first = a;
            last = b;
            var rest = HostPort.TryParse("0.0.0.0:" + plain[(colon + 1)..], out _, out var port);
            if (rest is not null) return rest;
            if (dash < 0) lowPort = highPort = port;
            return null;
        }
        if (HostPort.TryParse(plain, out var name, out var single) is { } bad) return bad;
        host = name;
        if (dash < 0) lowPort = highPort = single;
        return null;
    }

    /// <summary>True when the host is written as a.b.c.d-e.f.g.h (an IPv4 range); the error is set when it is one but broken.</summary>
    private static bool IsIpv4Range(string host, out long first, out long last, out string? error)
    {
        first = last = 0;
        error = null;
        var parts = host.Split('-');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var from) || from.AddressFamily != AddressFamily.InterNetwork) return false;
        if (!IPAddress.TryParse(parts[1], out var to) || to.AddressFamily != AddressFamily.InterNetwork || parts[1].Count(c => c == '.') != 3)
        {
            error = $"address range '{ManifestErrorList.Printable(host)}' must be FIRST-LAST, two IPv4 addresses (10.0.0.1-10.0.0.20)";
            return true;
        }
        first = Number(from);
        last = Number(to);
        if (last < first) error = $"address range '{ManifestErrorList.Printable(host)}' ends before it starts";
        return true;
    }

    private static long Number(IPAddress a)
    {
        var b = a.GetAddressBytes();
        return ((long)b[0] << 24) | ((long)b[1] << 16) | ((long)b[2] << 8) | b[3];
    }
}
