using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace Rotor.IntegrationTests.Acme.Proxy;

/// <summary>
/// A thin HTTPS proxy on 127.0.0.1 in front of Pebble 2.4, adding what Pebble lacks: ACME
/// Renewal Information (RFC 9773), <c>rateLimited</c> refusals with Retry-After (RFC 8555 6.7)
/// and profiles (see <c>AcmeProxy.Acme.cs</c>). Everything else is forwarded unchanged, with
/// the client's own Host header: Pebble builds every URL it returns (bodies, Location, Link)
/// and checks the JWS <c>url</c> from the request's Host, so all of it points at the proxy and
/// signatures stay valid without the proxy ever touching a JWS.
/// </summary>
public sealed partial class AcmeProxy : IAsyncDisposable
{
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Content-Length",
        "Accept-Encoding",
    };

    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly HttpClient _upstream;
    private readonly Uri _upstreamDirectory;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, (TcpClient Client, Task Task)> _connections = new();
    private Task _acceptLoop = Task.CompletedTask;
    private int _connectionCount;

    private AcmeProxy(TcpListener listener, X509Certificate2 certificate, HttpClient upstream, Uri upstreamDirectory, string caPath)
    {
        _listener = listener;
        _certificate = certificate;
        _upstream = upstream;
        _upstreamDirectory = upstreamDirectory;
        CaPath = caPath;
        Authority = "127.0.0.1:" + ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Starts a proxy for the ACME server at <paramref name="upstreamDirectory"/> (whose HTTPS
    /// chains to <paramref name="upstreamCaPath"/>); its own CA goes to <paramref name="workDirectory"/>.
    /// </summary>
    public static async Task<AcmeProxy> StartAsync(Uri upstreamDirectory, string upstreamCaPath, string workDirectory, CancellationToken cancellationToken)
    {
        var (certificate, caPem) = ProxyCertificates.Create();
        var caPath = Path.Combine(workDirectory, "acme-proxy-ca.pem");
        await File.WriteAllTextAsync(caPath, caPem, cancellationToken);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var proxy = new AcmeProxy(listener, certificate, CreateUpstream(upstreamCaPath), upstreamDirectory, caPath);
        try
        {
            await proxy.LearnUpstreamAsync(cancellationToken);
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
        proxy._acceptLoop = Task.Run(proxy.AcceptLoopAsync, CancellationToken.None);
        return proxy;
    }

    /// <summary>host:port of the proxy, as clients send it in Host.</summary>
    public string Authority { get; }

    /// <summary>The directory URL clients use instead of Pebble's.</summary>
    public Uri Directory => new($"https://{Authority}{_upstreamDirectory.PathAndQuery}");

    /// <summary>PEM file of the CA of the proxy's HTTPS certificate (an issuer's caBundle).</summary>
    public string CaPath { get; }

    /// <summary>Connections accepted so far (keep-alive means far fewer than requests).</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    private static HttpClient CreateUpstream(string caPath)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caPath);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return chain.Build(leaf);
                },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Reads Pebble's own directory once, for the paths of newOrder and newNonce.</summary>
    private async Task LearnUpstreamAsync(CancellationToken cancellationToken)
    {
        var json = JsonNode.Parse(await _upstream.GetByteArrayAsync(_upstreamDirectory, cancellationToken)) as JsonObject
            ?? throw new InvalidOperationException("Pebble's directory is not a JSON object");
        _newOrderPath = new Uri(_upstreamDirectory, json["newOrder"]!.GetValue<string>()).AbsolutePath;
        _newNonce = new Uri(_upstreamDirectory, json["newNonce"]!.GetValue<string>());
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var id = Interlocked.Increment(ref _connectionCount);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[id] = (client, Task.Run(async () =>
            {
                await started.Task;
                try
                {
                    await ServeAsync(client);
                }
                finally
                {
                    _connections.TryRemove(id, out _);
                }
            }, CancellationToken.None));
            started.SetResult();
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var owned = client;
        try
        {
            await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _certificate,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            }, _stop.Token);
            var connection = new ProxyHttpConnection(tls);
            while (await connection.ReadRequestAsync(_stop.Token) is { } request)
            {
                if (TakePollDrop(request)) return; // closes the connection without a response
                var response = await HandleAsync(request, _stop.Token);
                await connection.WriteResponseAsync(request, response, _stop.Token);
                if (string.Equals(request.Header("Connection"), "close", StringComparison.OrdinalIgnoreCase)) return;
            }
        }
        catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away, or the proxy is stopping.
        }
    }

    /// <summary>Sends the request on to Pebble as it came, under the proxy's Host.</summary>
    private async Task<ProxyResponse> ForwardAsync(ProxyRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_upstreamDirectory, request.Target));
        message.Headers.Host = Authority;
        if (request.Body.Length > 0 || request.Method == "POST")
        {
            message.Content = new ByteArrayContent(request.Body);
        }
        foreach (var (name, value) in request.Headers.Where(h => !NotForwarded.Contains(h.Key)))
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }
        using var response = await _upstream.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => !NotForwarded.Contains(h.Key))
            .SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v)))
            .ToList();
        return new ProxyResponse((int)response.StatusCode, headers, body);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        foreach (var (client, _) in _connections.Values)
        {
            client.Dispose();
        }
        await Task.WhenAny(Task.WhenAll(_connections.Values.Select(c => c.Task)), Task.Delay(TimeSpan.FromSeconds(5)));
        _upstream.Dispose();
        _certificate.Dispose();
        _stop.Dispose();
    }
}
