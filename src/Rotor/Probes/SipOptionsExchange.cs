using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Rotor.Probes;

/// <summary>
/// One SIP OPTIONS request (RFC 3261 §11) over an established TLS connection, and the reading of
/// its answer. Any final response (≥ 200) means a SIP stack is alive behind the certificate: a
/// 404 or 405 from a peer that does not route OPTIONS still proves it parsed the request.
/// </summary>
internal static class SipOptionsExchange
{
    /// <summary>Headers beyond this are not a SIP response we would act on.</summary>
    private const int MaxMessageBytes = 64 * 1024;

    /// <summary>Provisional responses and stray messages tolerated before the final response.</summary>
    private const int MaxMessages = 16;

    internal sealed record Request(string Text, string CallId, string Branch);

    /// <summary>The response the exchange ended with: its status code and reason phrase.</summary>
    internal sealed record Response(int StatusCode, string ReasonPhrase);

    /// <summary>
    /// Builds the request. <paramref name="uriHost"/> is the name the peer is known by (the SNI,
    /// else the host); <paramref name="local"/> is this end of the TCP connection, for Via and
    /// Contact, so a peer that answers per RFC 3261 §18.2.2 finds the connection it came on.
    /// </summary>
    public static Request Build(string uriHost, int port, IPEndPoint local)
    {
        var host = UriHost(uriHost);
        // A dual-stack socket reports an IPv4 peer's connection as ::ffff:a.b.c.d; the peer knows a.b.c.d.
        var address = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
        var localHost = UriHost(address.ToString());
        // RFC 3261 §8.1.1.7: the branch starts with the magic cookie z9hG4bK and is unique.
        var branch = "z9hG4bK" + Token(12);
        var callId = Token(16) + "@" + localHost;
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"OPTIONS sip:{host}:{port};transport=tls SIP/2.0\r\n")
            .Append(CultureInfo.InvariantCulture, $"Via: SIP/2.0/TLS {localHost}:{local.Port};branch={branch};rport\r\n")
            .Append("Max-Forwards: 70\r\n")
            .Append(CultureInfo.InvariantCulture, $"From: <sip:rotor-probe@{localHost}>;tag={Token(8)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"To: <sip:{host}:{port}>\r\n")
            .Append(CultureInfo.InvariantCulture, $"Call-ID: {callId}\r\n")
            .Append("CSeq: 1 OPTIONS\r\n")
            .Append(CultureInfo.InvariantCulture, $"Contact: <sip:rotor-probe@{localHost}:{local.Port};transport=tls>\r\n")
            .Append("Accept: application/sdp\r\n")
            .Append("User-Agent: Rotor probe\r\n")
            .Append("Content-Length: 0\r\n")
            .Append("\r\n")
            .ToString();
        return new Request(text, callId, branch);
    }

    /// <summary>Sends the request and reads messages until the final response to it.</summary>
    /// <exception cref="SipProtocolException">The peer answered something that is not a SIP response to it.</exception>
    /// <exception cref="IOException">The connection failed or closed first.</exception>
    public static async Task<Response> ExchangeAsync(Stream stream, Request request, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Text), cancellationToken);
        await stream.FlushAsync(cancellationToken);
        var reader = new MessageReader(stream);
        for (var i = 0; i < MaxMessages; i++)
        {
            var (startLine, headers) = await reader.ReadMessageAsync(cancellationToken);
            var response = ParseStatusLine(startLine);
            // A response to another request on a shared connection is not ours; keep reading.
            if (!string.Equals(Header(headers, "call-id", "i"), request.CallId, StringComparison.Ordinal)) continue;
            if (response.StatusCode >= 200) return response;
        }
        throw new SipProtocolException($"no final response within {MaxMessages} messages");
    }

    /// <summary>RFC 3261 §7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase.</summary>
    internal static Response ParseStatusLine(string line)
    {
        var parts = line.Split(' ', 3);
        if (parts.Length < 2 || !string.Equals(parts[0], "SIP/2.0", StringComparison.Ordinal)
            || parts[1].Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code < 100)
        {
            throw new SipProtocolException($"not a SIP response: '{Printable(line)}'");
        }
        return new Response(code, parts.Length == 3 ? parts[2] : "");
    }

    private static string? Header(IReadOnlyList<(string Name, string Value)> headers, string name, string compact) =>
        headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || h.Name.Equals(compact, StringComparison.OrdinalIgnoreCase)).Value;

    private static string UriHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;

    private static string Token(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static string Printable(string text)
    {
        var cut = text.Length > 60 ? text[..60] + "…" : text;
        return new string([.. cut.Select(c => char.IsControl(c) ? '?' : c)]);
    }

    /// <summary>Reads SIP messages off a stream: start line, headers, and skips the body by Content-Length.</summary>
    private sealed class MessageReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[MaxMessageBytes];
        private int _start;
        private int _end;

        public async Task<(string StartLine, IReadOnlyList<(string Name, string Value)> Headers)> ReadMessageAsync(CancellationToken cancellationToken)
        {
            int headerEnd;
            while (true)
            {
                // RFC 5626 §3.5.1 keep-alive CRLFs may come between messages.
                while (_start + 1 < _end && _buffer[_start] == '\r' && _buffer[_start + 1] == '\n') _start += 2;
                headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
                if (headerEnd >= 0) break;
                await FillAsync(cancellationToken);
            }
            var head = Encoding.UTF8.GetString(_buffer, _start, headerEnd);
            _start += headerEnd + 4;
            var lines = head.Split("\r\n");
            var headers = new List<(string, string)>();
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t')) continue; // folded continuation
                    throw new SipProtocolException($"malformed header line '{Printable(line)}'");
                }
                headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }
            var length = Header(headers, "content-length", "l");
            var bodyBytes = 0;
            if (length is not null && (!int.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out bodyBytes) || bodyBytes > MaxMessageBytes))
            {
                throw new SipProtocolException($"malformed Content-Length '{Printable(length)}'");
            }
            while (_end - _start < bodyBytes) await FillAsync(cancellationToken);
            _start += bodyBytes;
            return (lines[0], headers);
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) throw new SipProtocolException($"message larger than {MaxMessageBytes} bytes");
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                throw new IOException(_end == 0
                    ? "the peer closed the connection without answering the OPTIONS"
                    : $"the peer closed the connection in the middle of a message ('{Printable(Encoding.UTF8.GetString(_buffer, 0, Math.Min(_end, 60)))}')");
            }
            _end += read;
        }
    }
}

/// <summary>The peer answered, but not with a SIP response we can read.</summary>
internal sealed class SipProtocolException(string message) : Exception(message);
