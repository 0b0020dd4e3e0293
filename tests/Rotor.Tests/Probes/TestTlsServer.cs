using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Rotor.Tests.Probes;

/// <summary>
/// A TLS server on 127.0.0.1 and a port of its own, inside the test: it presents the given leaf
/// (and intermediates), records the SNI each client sent, and hands every accepted connection to
/// <c>serve</c> (default: close after the handshake).
/// </summary>
public sealed class TestTlsServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<Task> _connections = [];
    private readonly Lock _lock = new();

    public TestTlsServer(X509Certificate2 leaf, X509Certificate2[] intermediates, Func<SslStream, CancellationToken, Task>? serve = null, bool tls = true)
    {
        _listener.Start();
        // offline: the chain is sent as given, nothing is fetched
        var context = SslStreamCertificateContext.Create(leaf, new X509Certificate2Collection(intermediates), offline: true);
        _accepting = AcceptAsync(context, serve ?? ((_, _) => Task.CompletedTask), tls);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private readonly List<string?> _serverNames = [];

    /// <summary>
    /// The SNI names of the first <paramref name="count"/> handshakes. The server finishes its
    /// side of a handshake after the client does, so this waits (bounded) for them to be recorded.
    /// </summary>
    public async Task<IReadOnlyList<string?>> ServerNamesAsync(int count)
    {
        for (var i = 0; i < 100; i++)
        {
            lock (_lock)
            {
                if (_serverNames.Count >= count) return [.. _serverNames];
            }
            await Task.Delay(50);
        }
        lock (_lock) return [.. _serverNames];
    }

    /// <summary>Completed once a client's TCP connection was accepted.</summary>
    public TaskCompletionSource Accepted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A silent (non-TLS) server got the first bytes of a handshake: the client is past connecting.</summary>
    public TaskCompletionSource ClientHelloReceived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task AcceptAsync(SslStreamCertificateContext context, Func<SslStream, CancellationToken, Task> serve, bool tls)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Accepted.TrySetResult();
            lock (_lock) _connections.Add(ServeAsync(socket, context, serve, tls));
        }
    }

    private async Task ServeAsync(Socket socket, SslStreamCertificateContext context, Func<SslStream, CancellationToken, Task> serve, bool tls)
    {
        await using var network = new NetworkStream(socket, ownsSocket: true);
        if (!tls)
        {
            // Accept, read the ClientHello, and say nothing: a peer that never answers it.
            try
            {
                if (await network.ReadAsync(new byte[1], _stop.Token) > 0) ClientHelloReceived.TrySetResult();
                await Task.Delay(Timeout.Infinite, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
            }
            return;
        }
        await using var ssl = new SslStream(network);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = context,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            }, _stop.Token);
            lock (_lock) _serverNames.Add(ssl.TargetHostName);
            await serve(ssl, _stop.Token);
        }
        catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            // The probe under test may drop the connection at any point.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] open;
        lock (_lock) open = [.. _connections];
        await Task.WhenAll(open);
        _stop.Dispose();
    }
}
