using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;
using Rotor.Scan;

namespace Rotor.Tests.Scan;

/// <summary>
/// The scanner's main handshake on libssl directly against the same handshake on SslStream: both show
/// the same chain (leaf and intermediate, in order), version and suite of a real TLS server on
/// 127.0.0.1, and a server that is no TLS server gives a handshake error, never an exception.
/// </summary>
public sealed class EndpointScannerTests : IAsyncLifetime
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private X509Certificate2 _leaf = null!;
    private X509Certificate2 _intermediate = null!;
    private Task _serving = Task.CompletedTask;

    public Task InitializeAsync()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = TimeProvider.System.GetUtcNow();
        var rootRequest = new CertificateRequest("CN=Scan Test Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest("CN=Scan Test Intermediate", intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var intermediate = intermediateRequest.Create(root, now.AddDays(-1), now.AddDays(29), [1, 2]);
        _intermediate = intermediate.CopyWithPrivateKey(intermediateKey);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        leafRequest.CertificateExtensions.Add(names.Build());
        using var leaf = leafRequest.Create(_intermediate, now.AddDays(-1), now.AddDays(20), [3, 4]);
        _leaf = leaf.CopyWithPrivateKey(leafKey);
        _listener.Start();
        _serving = ServeAsync();
        return Task.CompletedTask;
    }

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task ServeAsync()
    {
        var context = SslStreamCertificateContext.Create(_leaf, [_intermediate], offline: true);
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

    private async Task<Rotor.Core.Scan.EndpointScan> ScanAsync(bool native, int port)
    {
        using var http = new HttpClient();
        var scanner = new EndpointScanner(new ScanOptions { NativeHandshake = native, Ocsp = false, Timeout = TimeSpan.FromSeconds(10) }, http, TimeProvider.System);
        return await scanner.ScanAsync(new ScanTargets.Address("localhost", port), null, null, default);
    }

    [Fact]
    public async Task The_native_handshake_shows_what_SslStream_shows()
    {
        var native = await ScanAsync(native: true, Port);
        var platform = await ScanAsync(native: false, Port);

        Assert.Null(native.Error);
        Assert.Equal(platform.Protocol, native.Protocol);
        Assert.StartsWith("TLS 1.", native.Protocol, StringComparison.Ordinal);
        Assert.Equal(platform.CipherSuite, native.CipherSuite);
        Assert.StartsWith("TLS_", native.CipherSuite, StringComparison.Ordinal);
        Assert.Equal([_leaf.GetCertHashString(HashAlgorithmName.SHA256), _intermediate.GetCertHashString(HashAlgorithmName.SHA256)],
            native.Chain.Select(c => c.Sha256.ToUpperInvariant()));
        Assert.Equal(platform.Chain.Select(c => c.Sha256), native.Chain.Select(c => c.Sha256));
        Assert.Equal(platform.ChainValid, native.ChainValid);
        Assert.True(native.NameMatches);
        Assert.NotNull(native.HandshakeMs);
    }

    [Fact]
    public async Task A_server_that_is_no_TLS_server_gives_a_handshake_error_not_an_exception()
    {
        using var plain = new TcpListener(IPAddress.Loopback, 0);
        plain.Start();
        var answering = Task.Run(async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                using var client = await plain.AcceptTcpClientAsync();
                var stream = client.GetStream();
                await stream.WriteAsync("SIP/2.0 400 Bad Request\r\n\r\n"u8.ToArray());
                await stream.FlushAsync();
            }
        });
        var scan = await ScanAsync(native: true, ((IPEndPoint)plain.LocalEndpoint).Port);
        Assert.False(scan.Reachable);
        Assert.StartsWith("handshake: ", scan.Error, StringComparison.Ordinal);
        Assert.Empty(scan.Chain);
    }

    [Fact]
    public async Task A_server_that_accepts_and_never_answers_gives_a_timeout_error_in_time()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepted by the kernel's backlog, never read, never answered
        using var http = new HttpClient();
        var scanner = new EndpointScanner(new ScanOptions { Ocsp = false, Timeout = TimeSpan.FromMilliseconds(300) }, http, TimeProvider.System);
        var scan = await scanner.ScanAsync(new ScanTargets.Address("127.0.0.1", ((IPEndPoint)silent.LocalEndpoint).Port), null, null, default)
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(scan.Reachable);
        Assert.Equal("handshake: no answer within 0.3 s", scan.Error);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving;
        _leaf.Dispose();
        _intermediate.Dispose();
        _stop.Dispose();
    }
}
