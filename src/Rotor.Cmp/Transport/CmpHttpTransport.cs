using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Rotor.Cmp.Transport;

/// <summary>TLS and size settings of <see cref="CmpHttpTransport"/>.</summary>
public sealed record CmpHttpTransportOptions
{
    /// <summary>
    /// Roots the CMP server's TLS certificate must chain to. When set, only these are trusted
    /// (the system store is not consulted); when empty, the platform's default validation applies.
    /// </summary>
    public IReadOnlyList<X509Certificate2> TlsTrustAnchors { get; init; } = [];

    /// <summary>A client certificate (with private key) for TLS client authentication, or null.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Responses larger than this are refused.</summary>
    public int MaxResponseBytes { get; init; } = 1024 * 1024;
}

/// <summary>
/// CMP over HTTP (RFC 6712): POST of the DER PKIMessage as application/pkixcmp, answer 200 with
/// application/pkixcmp. Every request says <c>Connection: close</c>: some servers tie a
/// transaction to its connection, and one held open blocks single-connection servers.
/// Timeouts are the caller's (through the token). Thread-safe.
/// </summary>
public sealed class CmpHttpTransport : ICmpTransport, IDisposable
{
    private const string PkixCmp = "application/pkixcmp";
    private readonly HttpClient _http;
    private readonly int _maxResponseBytes;
    private readonly bool _ownsClient = true;

    public CmpHttpTransport(CmpHttpTransportOptions? options = null)
    {
        options ??= new CmpHttpTransportOptions();
        var anchors = options.TlsTrustAnchors.ToList();
        var handler = new SocketsHttpHandler
        {
            // Every request closes its connection; nothing is worth keeping in a pool.
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions(),
        };
        if (anchors.Count > 0)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => ValidateServer(anchors, certificate, errors);
        }
        if (options.ClientCertificate is { } client)
        {
            handler.SslOptions.ClientCertificates = new X509CertificateCollection { client };
        }
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _maxResponseBytes = options.MaxResponseBytes;
    }

    /// <summary>Uses a caller's client (its handler decides TLS); the caller keeps ownership.</summary>
    public CmpHttpTransport(HttpClient http, int maxResponseBytes = 1024 * 1024)
    {
        _http = http;
        _maxResponseBytes = maxResponseBytes;
        _ownsClient = false;
    }

    public async Task<byte[]> SendAsync(Uri server, byte[] request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, server) { Content = new ByteArrayContent(request) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(PkixCmp);
        message.Headers.ConnectionClose = true;
        message.Headers.Accept.ParseAdd(PkixCmp);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw Map(server, e);
        }
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var code = (int)response.StatusCode;
                throw new CmpException($"CMP server {server} answered HTTP {code} {response.ReasonPhrase}", CmpReasons.HttpStatus,
                    isTransient: code >= 500 || code is 408 or 429) { HttpStatusCode = code };
            }
            var type = response.Content.Headers.ContentType?.MediaType;
            if (!string.Equals(type, PkixCmp, StringComparison.OrdinalIgnoreCase))
            {
                throw new CmpException($"CMP server {server} answered with Content-Type '{type}', not {PkixCmp}", CmpReasons.ContentType, isTransient: false);
            }
            try
            {
                return await ReadLimitedAsync(response.Content, server, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw Map(server, e);
            }
            catch (IOException e)
            {
                throw new CmpException($"CMP server {server}: the response broke off ({e.Message})", CmpReasons.Http, isTransient: true, inner: e);
            }
        }
    }

    private async Task<byte[]> ReadLimitedAsync(HttpContent content, Uri server, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > _maxResponseBytes) throw TooLarge(server);
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > _maxResponseBytes) throw TooLarge(server);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    // Malformed, and like every malformed response transient (see CmpException.Refused).
    private CmpException TooLarge(Uri server) =>
        new($"CMP server {server}: response larger than {_maxResponseBytes} bytes", CmpReasons.Malformed, isTransient: true);

    private static CmpException Map(Uri server, HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError =>
            new CmpException($"CMP server {server} unreachable: {e.Message}", CmpReasons.Connect, isTransient: true, inner: e),
        HttpRequestError.SecureConnectionError =>
            new CmpException($"TLS to CMP server {server} failed: {e.Message}", CmpReasons.Tls, isTransient: false, inner: e),
        _ => new CmpException($"HTTP exchange with CMP server {server} failed: {e.Message}", CmpReasons.Http, isTransient: true, inner: e),
    };

    /// <summary>Chain to the configured anchors only; the host name must still match.</summary>
    private static bool ValidateServer(List<X509Certificate2> anchors, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }
        using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    public void Dispose()
    {
        if (_ownsClient) _http.Dispose();
    }
}
