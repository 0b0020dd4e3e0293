using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using DnsClient;
using Rotor.Acme.Jws;
using Rotor.Core.Resources;

namespace Rotor.AcmeServer;

/// <summary>
/// Checks that a client controls an identifier (RFC 8555 8.3 http-01, 8.4 dns-01), reaching the
/// names through the AcmeServer's <c>validation</c> settings: http-01 connects to the address
/// <c>validation.hosts</c> gives for the name (else the system resolver's) on
/// <c>validation.http01Port</c>; dns-01 asks <c>validation.dnsResolvers</c> (else the system's)
/// for the TXT record. Each attempt is bounded by <c>validation.timeout</c> and reads at most a
/// few KiB; a failure is the problem the challenge records (connection, incorrectResponse, dns).
/// </summary>
internal sealed class AcmeChallengeValidator : IDisposable
{
    /// <summary>Most bytes of an http-01 answer read; a key authorization is under 200.</summary>
    private const int MaxAnswerBytes = 8 * 1024;

    private readonly AcmeServerValidation _settings;
    private readonly HttpClient _http;

    public AcmeChallengeValidator(AcmeServerValidation settings)
    {
        _settings = settings;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectTimeout = settings.Timeout,
            ConnectCallback = ConnectAsync,
        };
        _http = new HttpClient(handler) { Timeout = settings.Timeout };
    }

    /// <summary>Null when the challenge is met; else the problem to record.</summary>
    public async Task<AcmeProblemException?> ValidateAsync(string type, string identifier, string token, string thumbprint, CancellationToken cancellationToken)
    {
        var keyAuthorization = token + "." + thumbprint;
        try
        {
            return type switch
            {
                "http-01" => await Http01Async(identifier, token, keyAuthorization, cancellationToken),
                "dns-01" => await Dns01Async(identifier, keyAuthorization, cancellationToken),
                _ => AcmeProblemException.Malformed($"challenge type {type} is not offered"),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AcmeProblemException("connection", $"{type} for {identifier}: no answer within {DurationParser.Format(_settings.Timeout)}", 400);
        }
    }

    private async Task<AcmeProblemException?> Http01Async(string name, string token, string keyAuthorization, CancellationToken cancellationToken)
    {
        var port = _settings.Http01Port;
        var host = IPAddress.TryParse(name, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{name}]" : name;
        var url = $"http://{host}:{port}/.well-known/acme-challenge/{token}";
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            return new AcmeProblemException("connection", $"http-01: cannot fetch {url} ({e.HttpRequestError}: {e.InnerException?.Message ?? e.Message})", 400);
        }
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new AcmeProblemException("incorrectResponse", $"http-01: {url} answered {(int)response.StatusCode}, not 200 with the key authorization", 403);
            }
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxAnswerBytes];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0) read += n;
            var answer = Encoding.UTF8.GetString(buffer, 0, read).Trim();
            return answer == keyAuthorization
                ? null
                : new AcmeProblemException("incorrectResponse", $"http-01: {url} did not answer with the key authorization for token {token}", 403);
        }
    }

    private async Task<AcmeProblemException?> Dns01Async(string name, string keyAuthorization, CancellationToken cancellationToken)
    {
        var expected = Base64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)));
        var recordName = "_acme-challenge." + (name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name);
        var servers = _settings.DnsResolvers.Count > 0
            ? _settings.DnsResolvers.Select(ParseResolver).Select(e => new NameServer(e)).ToArray()
            : NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false).ToArray();
        var client = new LookupClient(new LookupClientOptions(servers)
        {
            UseCache = false,
            Timeout = _settings.Timeout,
            Retries = 1,
            ThrowDnsErrors = false,
            UseTcpFallback = true,
            AutoResolveNameServers = false,
        });
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(recordName, QueryType.TXT, QueryClass.IN, cancellationToken);
        }
        catch (DnsResponseException e)
        {
            return new AcmeProblemException("dns", $"dns-01: no answer for TXT {recordName} ({e.Code})", 400);
        }
        var values = response.Answers.TxtRecords().Select(t => string.Concat(t.Text)).ToList();
        if (values.Contains(expected, StringComparer.Ordinal)) return null;
        return new AcmeProblemException("incorrectResponse",
            values.Count == 0
                ? $"dns-01: no TXT record at {recordName} ({response.Header.ResponseCode})"
                : $"dns-01: none of the {values.Count} TXT record(s) at {recordName} is the expected digest of the key authorization", 403);
    }

    private static IPEndPoint ParseResolver(string text) =>
        IPAddress.TryParse(text, out var bare) ? new IPEndPoint(bare, 53) : IPEndPoint.Parse(text);

    /// <summary>Connects to the address validation.hosts gives for the name, else to what the system resolves.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        IPAddress[] addresses = _settings.Hosts.TryGetValue(host, out var mapped)
            ? [IPAddress.Parse(mapped)]
            : IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (addresses.Length == 0) throw new HttpRequestException(HttpRequestError.NameResolutionError, $"{host} does not resolve");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _http.Dispose();
}
