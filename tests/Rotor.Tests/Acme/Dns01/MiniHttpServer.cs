using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rotor.Tests.Acme.Dns01;

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 (port chosen by the system) that records each request
/// and answers with what <see cref="Respond"/> says; enough for the webhook provider's tests.
/// </summary>
internal sealed class MiniHttpServer : IAsyncDisposable
{
    public sealed record Request(string Method, string Path, Dictionary<string, string> Headers, string Body);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public MiniHttpServer()
    {
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri BaseUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Released once per request received.</summary>
    public SemaphoreSlim Arrived { get; } = new(0);

    /// <summary>Status and body for a request; null means "never answer" (for timeouts).</summary>
    public Func<Request, (int Status, string Body)?> Respond { get; set; } = _ => (200, "ok");

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.ASCII);
                var first = (await reader.ReadLineAsync(_stop.Token))!.Split(' ');
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                string? line;
                while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync(_stop.Token)))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                }
                var length = headers.TryGetValue("Content-Length", out var l) ? int.Parse(l, System.Globalization.CultureInfo.InvariantCulture) : 0;
                var body = new char[length];
                var read = 0;
                while (read < length) read += await reader.ReadAsync(body.AsMemory(read), _stop.Token);
                var request = new Request(first[0], first[1], headers, new string(body));
                Requests.Enqueue(request);
                Arrived.Release();
                var answer = Respond(request);
                if (answer is null)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                var payload = Encoding.UTF8.GetBytes(answer.Value.Body);
                var head = $"HTTP/1.1 {answer.Value.Status} X\r\nContent-Type: text/plain\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(payload, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or NullReferenceException)
            {
                // the test is over or the client went away
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        Arrived.Dispose();
    }
}
