using System.Globalization;
using System.Net;
using System.Text;

namespace Rotor.IntegrationTests.Acme.Proxy;

/// <summary>One HTTP/1.1 request as the proxy received it.</summary>
internal sealed record ProxyRequest(string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public string Path => Target.Split('?')[0];

    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>One HTTP/1.1 response the proxy sends (Content-Length is added on writing).</summary>
internal sealed record ProxyResponse(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public static ProxyResponse Json(int status, string contentType, string json, params KeyValuePair<string, string>[] headers) =>
        new(status, [new("Content-Type", contentType), new("Cache-Control", "no-store"), .. headers], Encoding.UTF8.GetBytes(json));
}

/// <summary>
/// The little HTTP/1.1 the proxy needs: request line, headers, a Content-Length body (HttpClient
/// sends no chunked requests to ACME servers), keep-alive. Responses always carry Content-Length.
/// </summary>
internal sealed class ProxyHttpConnection(Stream stream)
{
    private const int MaxHead = 64 * 1024;
    private readonly byte[] _buffer = new byte[MaxHead];
    private int _start;
    private int _end;

    /// <summary>The next request on the connection; null when the client closed it.</summary>
    public async Task<ProxyRequest?> ReadRequestAsync(CancellationToken cancellationToken)
    {
        string? line;
        do
        {
            line = await ReadLineAsync(cancellationToken);
            if (line is null) return null;
        }
        while (line.Length == 0);
        var parts = line.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal)) throw new IOException("bad request line: " + line);
        var headers = new List<KeyValuePair<string, string>>();
        while (true)
        {
            var header = await ReadLineAsync(cancellationToken) ?? throw new IOException("connection closed inside the request head");
            if (header.Length == 0) break;
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw new IOException("bad header line: " + header);
            headers.Add(new(header[..colon].Trim(), header[(colon + 1)..].Trim()));
        }
        var request = new ProxyRequest(parts[0], parts[1], headers, []);
        if (request.Header("Transfer-Encoding") is not null) throw new IOException("chunked request bodies are not supported by the test proxy");
        var length = request.Header("Content-Length") is { } cl ? int.Parse(cl, CultureInfo.InvariantCulture) : 0;
        return request with { Body = await ReadBodyAsync(length, cancellationToken) };
    }

    public async Task WriteResponseAsync(ProxyRequest request, ProxyResponse response, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} {(HttpStatusCode)response.Status}\r\n");
        foreach (var (name, value) in response.Headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }
        head.Append(CultureInfo.InvariantCulture, $"Content-Length: {response.Body.Length}\r\n\r\n");
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), cancellationToken);
        if (request.Method != "HEAD") await stream.WriteAsync(response.Body, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.Latin1.GetString(_buffer, _start, newline - _start).TrimEnd('\r');
                _start = newline + 1;
                return line;
            }
            if (!await FillAsync(cancellationToken)) return null;
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) throw new IOException("request head larger than " + MaxHead + " bytes");
        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }

    private async Task<byte[]> ReadBodyAsync(int length, CancellationToken cancellationToken)
    {
        var body = new byte[length];
        var buffered = Math.Min(length, _end - _start);
        Buffer.BlockCopy(_buffer, _start, body, 0, buffered);
        _start += buffered;
        if (buffered < length) await stream.ReadExactlyAsync(body.AsMemory(buffered), cancellationToken);
        return body;
    }
}
