using System.Net;
using System.Net.Sockets;
using Rotor.Core.Resources;

namespace Rotor.Scan;

/// <summary>
/// The scanner's TCP connections. An address is connected to as it is, on a socket of its own
/// family: a name goes through DNS, an address must not (the name-resolving connect takes the
/// DNS path and a dual-mode socket even for a literal address, on each of an endpoint's connections).
/// </summary>
internal static class ScanSocket
{
    /// <summary>A connected socket, the caller's to dispose; on failure none is left open.</summary>
    public static async Task<Socket> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var address = !HostPort.IsDnsName(host) && IPAddress.TryParse(host, out var parsed) ? parsed : null;
        var socket = address is null
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            if (address is null) await socket.ConnectAsync(host, port, cancellationToken);
            else await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
