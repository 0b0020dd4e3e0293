using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rotor.Acme.Challenges;

/// <summary>
/// A built-in HTTP-01 responder: a minimal HTTP/1.1 server that answers
/// <c>GET /.well-known/acme-challenge/TOKEN</c> with the key authorization and 404 to
/// everything else. Listens only while challenges are presented, on the address it is given.
/// </summary>
public sealed class Http01Responder : IChallengeSolver, IAsyncDisposable
{
    private const string Prefix = "/.well-known/acme-challenge/";
    private readonly IPEndPoint _endpoint;
    private readonly ConcurrentDictionary<string, string> _answers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task? _loop;

    public Http01Responder(IPEndPoint endpoint) => _endpoint = endpoint;

    public string ChallengeType => "http-01";

    /// <summary>Requests answered (for tests and progress).</summary>
    public int Served => _served;
    private int _served;

    public async Task PresentAsync(ChallengeRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        _answers[request.Token] = request.KeyAuthorization;
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_listener is null)
            {
                var listener = new TcpListener(_endpoint);
                try
                {
                    listener.Start();
                }
                catch (SocketException e)
                {
                    throw new Transport.AcmeException($"the http-01 responder cannot listen on {_endpoint}: {e.Message}", "connection", null, isTransient: true, inner: e);
                }
                // Assigned only once listening, so a failed start leaves nothing half-made to stop.
                _stop = new CancellationTokenSource();
                _listener = listener;
                _loop = Task.Run(() => AcceptLoopAsync(listener, _stop.Token), CancellationToken.None);
                progress?.Report($"http-01 responder listening on {_endpoint}");
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task CleanupAsync(ChallengeRequest request, CancellationToken cancellationToken)
    {
        _answers.TryRemove(request.Token, out _);
        if (_answers.IsEmpty)
        {
            await StopAsync();
        }
    }

    private async Task StopAsync()
    {
        await _lock.WaitAsync();
        try
        {
            if (_listener is null || !_answers.IsEmpty) return;
            await _stop!.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop!;
            }
            catch (OperationCanceledException)
            {
            }
            _listener = null;
            _stop.Dispose();
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync(timeout.Token) ?? "";
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(timeout.Token)))
                {
                    // headers are not needed
                }
                var parts = requestLine.Split(' ');
                var found = parts.Length >= 2 && parts[0] == "GET" && parts[1].StartsWith(Prefix, StringComparison.Ordinal)
                    && _answers.TryGetValue(parts[1][Prefix.Length..], out var answer) ? answer : null;
                var body = Encoding.ASCII.GetBytes(found ?? "not found");
                var head = $"HTTP/1.1 {(found is null ? "404 Not Found" : "200 OK")}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
                await stream.WriteAsync(body, timeout.Token);
                if (found is not null) Interlocked.Increment(ref _served);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                // A client that goes away mid-request gets nothing more.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _answers.Clear();
        await StopAsync();
        _lock.Dispose();
    }
}
