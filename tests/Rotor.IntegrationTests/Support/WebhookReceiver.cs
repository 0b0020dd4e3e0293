using System.Net;
using System.Net.Sockets;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// An HTTP receiver on 127.0.0.1 (HttpListener on a free port) that records every POST with its
/// headers and raw body, answering <see cref="Status"/>. It stops when disposed or after its lifetime.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop;
    private readonly List<Request> _requests = [];
    private readonly Task _loop;

    public sealed record Request(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body);

    public WebhookReceiver(TimeSpan lifetime)
    {
        _stop = new CancellationTokenSource(lifetime);
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _stop.Token.Register(() => _listener.Stop());
        _loop = ServeAsync();
    }

    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}/hook");

    /// <summary>What the receiver answers; 503 makes Rotor retry.</summary>
    public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

    public IReadOnlyList<Request> Requests { get { lock (_requests) return [.. _requests]; } }

    private readonly Queue<HttpStatusCode> _next = new();
    private int _attempts;

    /// <summary>Answers the next requests with these statuses, in order, then <see cref="Status"/> again.</summary>
    public void AnswerNext(params HttpStatusCode[] statuses)
    {
        lock (_requests) foreach (var s in statuses) _next.Enqueue(s);
    }

    /// <summary>Every POST received, whatever it was answered.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            Interlocked.Increment(ref _attempts);
            HttpStatusCode status;
            lock (_requests) status = _next.Count > 0 ? _next.Dequeue() : Status;
            if (status == HttpStatusCode.OK)
            {
                var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
                lock (_requests) _requests.Add(new Request(context.Request.Url!.AbsolutePath, headers, body.ToArray()));
            }
            context.Response.StatusCode = (int)status;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _listener.Close();
        _stop.Dispose();
    }
}
