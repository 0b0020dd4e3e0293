using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;
using Rotor.Core.Scan;
using Rotor.Scan;

namespace Rotor.Tests.Scan;

/// <summary>
/// One scanner describes each distinct certificate and judges each distinct chain once per run: the
/// caches are keyed by exactly what was presented, so an endpoint presenting another leaf, or the same
/// leaf without its intermediate, gets its own description and its own verdict, whatever came first.
/// </summary>
public sealed class EndpointScannerCacheTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpListener Listener, Task Serving)> _servers = [];
    private readonly List<X509Certificate2> _owned = [];
    private X509Certificate2 _root = null!;
    private X509Certificate2 _intermediate = null!;

    public Task InitializeAsync()
    {
        var now = TimeProvider.System.GetUtcNow();
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Cache Test Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        _root = Own(rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30)));
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest("CN=Cache Test Intermediate", intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var intermediate = intermediateRequest.Create(_root, now.AddDays(-1), now.AddDays(29), [1, 2]);
        _intermediate = Own(intermediate.CopyWithPrivateKey(intermediateKey));
        return Task.CompletedTask;
    }

    private X509Certificate2 Own(X509Certificate2 certificate)
    {
        _owned.Add(certificate);
        return certificate;
    }

    private X509Certificate2 Leaf(string name, byte serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = TimeProvider.System.GetUtcNow();
        using var leaf = request.Create(_intermediate, now.AddDays(-1), now.AddDays(20), [3, serial]);
        return Own(leaf.CopyWithPrivateKey(key));
    }

    /// <summary>A TLS server on 127.0.0.1 presenting <paramref name="leaf"/> and <paramref name="extra"/>; its port.</summary>
    private int Serve(X509Certificate2 leaf, X509Certificate2[] extra)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var context = SslStreamCertificateContext.Create(leaf, [.. extra], offline: true);
        _servers.Add((listener, ServeAsync(listener, context)));
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task ServeAsync(TcpListener listener, SslStreamCertificateContext context)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        await using var tls = new SslStream(client.GetStream());
                        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context }, _stop.Token);
                    }
                    catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException)
                    {
                        // the scanner's refused hellos end here
                    }
                }
            });
        }
    }

    private static Task<EndpointScan> ScanAsync(EndpointScanner scanner, int port) =>
        scanner.ScanAsync(new ScanTargets.Address("127.0.0.1", port), null, null, default);

    private static string Sha256(X509Certificate2 c) => Convert.ToHexStringLower(SHA256.HashData(c.RawData));

    [Fact]
    public async Task The_same_leaf_without_its_intermediate_gets_its_own_verdict_after_a_valid_chain_was_judged()
    {
        var leaf = Leaf("sbc.example.test", 1);
        var full = Serve(leaf, [_intermediate]);
        var bare = Serve(leaf, []);
        using var http = new HttpClient();
        var scanner = new EndpointScanner(new ScanOptions { TrustAnchors = [_root], Ocsp = false, Timeout = TimeSpan.FromSeconds(10), Sni = "sbc.example.test" }, http, TimeProvider.System);

        var valid = await ScanAsync(scanner, full);
        var partial = await ScanAsync(scanner, bare);
        var validAgain = await ScanAsync(scanner, full);

        Assert.Null(valid.Error);
        Assert.True(valid.ChainValid, valid.ChainProblem);
        Assert.Equal([Sha256(leaf), Sha256(_intermediate)], valid.Chain.Select(c => c.Sha256));
        Assert.Null(partial.Error);
        Assert.Equal([Sha256(leaf)], partial.Chain.Select(c => c.Sha256));
        Assert.False(partial.ChainValid);
        Assert.NotNull(partial.ChainProblem);
        Assert.True(validAgain.ChainValid, validAgain.ChainProblem);
        Assert.Equal(valid.Chain.Select(c => c.Sha256), validAgain.Chain.Select(c => c.Sha256));
    }

    [Fact]
    public async Task Each_endpoint_shows_its_own_leaf_and_its_chain_is_judged_on_its_own()
    {
        var first = Leaf("edge-1.example.test", 2);
        var second = Leaf("edge-2.example.test", 3);
        using var selfKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var selfRequest = new CertificateRequest("CN=edge-3.example.test", selfKey, HashAlgorithmName.SHA256);
        var third = Own(selfRequest.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(10)));
        int[] ports = [Serve(first, [_intermediate]), Serve(second, [_intermediate]), Serve(third, [])];
        using var http = new HttpClient();
        var scanner = new EndpointScanner(new ScanOptions { TrustAnchors = [_root], Ocsp = false, Timeout = TimeSpan.FromSeconds(10), Sni = "edge-1.example.test" }, http, TimeProvider.System);

        var scans = new List<EndpointScan>();
        foreach (var port in ports) scans.Add(await ScanAsync(scanner, port));

        Assert.Equal([Sha256(first), Sha256(second), Sha256(third)], scans.Select(s => s.Chain[0].Sha256));
        Assert.Equal(["edge-1.example.test"], scans[0].Chain[0].Names);
        Assert.Equal(["edge-2.example.test"], scans[1].Chain[0].Names);
        Assert.Equal("CN=edge-3.example.test", scans[2].Chain[0].Subject);
        Assert.Equal([true, false, false], scans.Select(s => s.NameMatches));
        Assert.Equal([true, true, false], scans.Select(s => s.ChainValid));
        Assert.Equal(Sha256(_intermediate), scans[1].Chain[1].Sha256);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var (listener, serving) in _servers)
        {
            listener.Stop();
            await serving;
        }
        foreach (var c in _owned) c.Dispose();
        _stop.Dispose();
    }
}
