using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

// The endpoints of bench/scan: one process listening on COUNT TLS ports of 127.0.0.1 (BASE..BASE+COUNT-1),
// each presenting the same ECDSA P-256 certificate (SAN localhost, 127.0.0.1) with TLS 1.2 and 1.3 at the
// platform's default policy. Bounded: at most 512 connections are served at once (more wait in the
// backlog), each within 5 s; the process stops by itself after SECONDS.
//   ScanBench serve BASE COUNT SECONDS
if (args.Length != 4 || args[0] != "serve"
    || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var basePort) || !int.TryParse(args[2], CultureInfo.InvariantCulture, out var count)
    || !int.TryParse(args[3], CultureInfo.InvariantCulture, out var seconds) || count is < 1 or > 4096 || basePort + count > 65536 || seconds is < 1 or > 3600)
{
    Console.Error.WriteLine("usage: ScanBench serve BASE COUNT SECONDS   (COUNT <= 4096, SECONDS <= 3600)");
    return 2;
}

using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
var request = new CertificateRequest("CN=scan-bench", key, HashAlgorithmName.SHA256);
var san = new SubjectAlternativeNameBuilder();
san.AddDnsName("localhost");
san.AddIpAddress(IPAddress.Loopback);
request.CertificateExtensions.Add(san.Build());
request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
using var ephemeral = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(30));
// A PKCS#12 round trip gives the key a form OpenSSL-backed SslStream serves from.
using var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
var context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
var options = new SslServerAuthenticationOptions
{
    ServerCertificateContext = context,
    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
    ClientCertificateRequired = false,
};

using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
var slots = new SemaphoreSlim(512);
var listeners = new List<TcpListener>();
for (var i = 0; i < count; i++)
{
    var listener = new TcpListener(IPAddress.Loopback, basePort + i);
    try
    {
        listener.Start(backlog: 64);
    }
    catch (SocketException e)
    {
        Console.Error.WriteLine($"cannot listen on 127.0.0.1:{basePort + i}: {e.Message} (another bench still running? set BENCH_BASE_PORT)");
        foreach (var l in listeners) l.Stop();
        return 2;
    }
    listeners.Add(listener);
}
long served = 0, failed = 0;
var loops = listeners.Select(l => AcceptLoopAsync(l)).ToArray();
Console.WriteLine($"serving {count} TLS endpoints on 127.0.0.1:{basePort}-{basePort + count - 1} for {seconds} s");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}
foreach (var l in listeners) l.Stop();
await Task.WhenAll(loops);
Console.WriteLine($"stopped: {served} handshakes served, {failed} refused or failed");
return 0;

async Task AcceptLoopAsync(TcpListener listener)
{
    while (!stop.IsCancellationRequested)
    {
        Socket socket;
        try
        {
            socket = await listener.AcceptSocketAsync(stop.Token);
            // The bound is on connections being served, taken after the accept: a slot held while
            // waiting to accept would starve the other ports' listeners.
            await slots.WaitAsync(stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            return;
        }
        _ = ServeAsync(socket);
    }
}

async Task ServeAsync(Socket socket)
{
    try
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        limit.CancelAfter(TimeSpan.FromSeconds(5));
        await using var stream = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await stream.AuthenticateAsServerAsync(options, limit.Token);
        Interlocked.Increment(ref served);
        // Wait for the client to close (s_time and the scanner close right after the handshake).
        var buffer = new byte[256];
        while (await stream.ReadAsync(buffer, limit.Token) > 0)
        {
        }
    }
    catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException or SocketException or ObjectDisposedException)
    {
        Interlocked.Increment(ref failed);
    }
    finally
    {
        slots.Release();
    }
}
