using System.Net;
using System.Net.Sockets;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// A server that accepts TCP connections on 127.0.0.1 and never answers: a CMP server that is
/// up but hangs. It stops by itself after <c>lifetime</c> (or when disposed), closing what it
/// accepted, so no test leaves it behind.
/// </summary>
public sealed class SilentTcpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop;
    private readonly List<TcpClient> _accepted = [];
    private readonly Task _loop;
    private int _connections;

    public SilentTcpServer(TimeSpan lifetime)
    {
        _stop = new CancellationTokenSource(lifetime);
        _listener.Start();
        _loop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                lock (_accepted) _accepted.Add(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped: its lifetime ended or the test disposed it.
        }
        finally
        {
            _listener.Stop();
            lock (_accepted)
            {
                foreach (var c in _accepted) c.Dispose();
                _accepted.Clear();
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
