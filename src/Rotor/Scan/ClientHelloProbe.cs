using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Rotor.Scan;

/// <summary>
/// One hand-made TLS ClientHello offering exactly the versions and suites asked, and the reading of
/// the server's first flight: what it chose (ServerHello), and the certificates it sent when the
/// version sends them in the clear (TLS 1.2 and older). This is how the scanner learns whether an
/// endpoint ACCEPTS TLS 1.0/1.1 or a weak suite: the platform's TLS library (OpenSSL at Debian's
/// security level) would refuse to offer them at all. The connection is closed after the first
/// flight; no key exchange is made.
/// </summary>
/// <remarks>
/// Bounded and total: at most <see cref="MaxFlightBytes"/> are read, every length is checked
/// against what is left, and anything malformed is a <see cref="Outcome"/> with an error, never an exception.
/// </remarks>
internal static class ClientHelloProbe
{
    /// <summary>A first flight (ServerHello, Certificate, ServerKeyExchange, ServerHelloDone) with a long chain fits easily.</summary>
    public const int MaxFlightBytes = 128 * 1024;

    /// <summary>RFC 5246 §6.2.1: a record holds at most 2^14 bytes (+2048 for a compressed/encrypted one).</summary>
    private const int MaxRecord = 16384 + 2048;

    /// <summary>What the server answered.</summary>
    /// <param name="Accepted">A ServerHello came back with a version and suite that were offered.</param>
    public sealed record Outcome(bool Accepted, ushort? Version, ushort? Suite, IReadOnlyList<byte[]> Certificates, string? Error);

    public static async Task<Outcome> RunAsync(string host, int port, string? sni, ushort version, IReadOnlyCollection<ushort> suites,
        TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            using var socket = await ScanSocket.ConnectAsync(host, port, linked.Token);
            var hello = Build(version, suites, sni);
            for (var sent = 0; sent < hello.Length;) sent += await socket.SendAsync(hello.AsMemory(sent), SocketFlags.None, linked.Token);
            // The socket stays the probe's: disposing the stream would add a shutdown to the close.
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            return await ReadFlightAsync(stream, version, suites, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Outcome(false, null, null, [], $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return new Outcome(false, null, null, [], e.Message);
        }
    }

    /// <summary>RFC 5246 §7.4.1.2 ClientHello in one handshake record.</summary>
    internal static byte[] Build(ushort version, IReadOnlyCollection<ushort> suites, string? sni)
    {
        var body = new List<byte>(256);
        Put16(body, version);                                   // client_version
        body.AddRange(RandomNumberGenerator.GetBytes(32));      // random
        body.Add(0);                                            // session_id: empty
        Put16(body, (ushort)((suites.Count + 1) * 2));          // cipher_suites
        foreach (var s in suites) Put16(body, s);
        Put16(body, 0x00FF);                                    // TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746)
        body.Add(1);                                            // compression_methods: null only
        body.Add(0);

        var extensions = new List<byte>(128);
        if (sni is { Length: > 0 and <= 253 })
        {
            // RFC 6066 §3 server_name: ServerNameList { NameType host_name(0), HostName }
            var name = Encoding.ASCII.GetBytes(sni);
            Extension(extensions, 0x0000, [.. U16(name.Length + 3), 0, .. U16(name.Length), .. name]);
        }
        // RFC 8422 §5.1 supported_groups (secp256r1, secp384r1, x25519) and ec_point_formats (uncompressed).
        Extension(extensions, 0x000A, [0, 6, 0x00, 0x17, 0x00, 0x18, 0x00, 0x1D]);
        Extension(extensions, 0x000B, [1, 0]);
        if (version >= 0x0303)
        {
            // RFC 5246 §7.4.1.4.1 signature_algorithms: SHA-256/384 and SHA-1 with RSA and ECDSA, RSA-PSS.
            ushort[] schemes = [0x0401, 0x0403, 0x0501, 0x0503, 0x0804, 0x0805, 0x0201, 0x0203];
            var list = new List<byte>();
            Put16(list, (ushort)(schemes.Length * 2));
            foreach (var s in schemes) Put16(list, s);
            Extension(extensions, 0x000D, [.. list]);
        }
        Put16(body, (ushort)extensions.Count);
        body.AddRange(extensions);

        var handshake = new List<byte>(body.Count + 4) { 1 };  // msg_type client_hello
        handshake.AddRange(U24(body.Count));
        handshake.AddRange(body);
        var record = new List<byte>(handshake.Count + 5) { 22, 0x03, 0x01 }; // handshake record, version TLS 1.0 for compatibility
        record.AddRange(U16(handshake.Count));
        record.AddRange(handshake);
        return [.. record];
    }

    /// <summary>
    /// Reads records until the ServerHelloDone, an alert, the end of the stream or the bound. The stream
    /// is read in large pieces (a refusal, header and alert, is one read), records parsed from the buffer.
    /// </summary>
    internal static async Task<Outcome> ReadFlightAsync(Stream stream, ushort offered, IReadOnlyCollection<ushort> suites, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(5 + MaxRecord);
        try
        {
            return await ReadFlightAsync(stream, buffer, offered, suites, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<Outcome> ReadFlightAsync(Stream stream, byte[] buffer, ushort offered, IReadOnlyCollection<ushort> suites, CancellationToken cancellationToken)
    {
        List<byte>? handshake = null;
        int start = 0, end = 0; // the unread bytes are buffer[start..end]
        var total = 0;
        ushort? version = null, suite = null;
        var certificates = new List<byte[]>();
        while (total < MaxFlightBytes)
        {
            if (!await FillAsync(5))
            {
                return Finish(version is null ? "the server closed the connection without a ServerHello" : null);
            }
            var type = buffer[start];
            var length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(start + 3));
            if (length > MaxRecord || (buffer[start + 1] != 3)) return Finish($"not a TLS record (type {type}, version {buffer[start + 1]}.{buffer[start + 2]}, length {length})");
            if (!await FillAsync(5 + length)) return Finish("the server closed the connection in the middle of a record");
            var fragment = buffer.AsSpan(start + 5, length);
            start += 5 + length;
            total += 5 + length;
            if (type == 21)
            {
                // RFC 5246 §7.2: AlertLevel, AlertDescription (70 protocol_version, 40 handshake_failure, 71 insufficient_security).
                return Finish(version is null ? $"refused with TLS alert {(fragment.Length >= 2 ? fragment[1] : -1)}" : null);
            }
            if (type != 22) return Finish(version is null ? $"unexpected record type {type} before the ServerHello" : null);
            handshake ??= new List<byte>(length);
            handshake.AddRange(fragment);
            while (handshake.Count >= 4)
            {
                var msgType = handshake[0];
                var msgLength = (handshake[1] << 16) | (handshake[2] << 8) | handshake[3];
                if (msgLength > MaxFlightBytes) return Finish($"handshake message of {msgLength} bytes");
                if (handshake.Count < 4 + msgLength) break;
                var msg = handshake.GetRange(4, msgLength).ToArray();
                handshake.RemoveRange(0, 4 + msgLength);
                switch (msgType)
                {
                    case 2:
                        if (!ParseServerHello(msg, out var v, out var s)) return Finish("malformed ServerHello");
                        version = v;
                        suite = s;
                        if (v >= 0x0304 || v > offered) return Finish(null); // it answered with what was not offered: done
                        break;
                    case 11:
                        ParseCertificates(msg, certificates);
                        return Finish(null);
                    case 14:
                        return Finish(null);
                }
            }
        }
        return Finish(version is null ? $"no ServerHello within {MaxFlightBytes} bytes" : null);

        // Until buffer[start..] holds `count` bytes (count <= the buffer's length), or the stream ends.
        async Task<bool> FillAsync(int count)
        {
            if (end - start >= count) return true;
            if (start + count > buffer.Length)
            {
                buffer.AsSpan(start, end - start).CopyTo(buffer);
                end -= start;
                start = 0;
            }
            while (end - start < count)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
                if (n == 0) return false;
                end += n;
            }
            return true;
        }

        Outcome Finish(string? error)
        {
            var accepted = version is { } v && v <= offered && v >= 0x0300 && suite is { } s && suites.Contains(s);
            return new Outcome(accepted, version, suite, certificates, accepted ? null : error ?? (version is null ? "no ServerHello" : "answered with what was not offered"));
        }
    }

    /// <summary>RFC 5246 §7.4.1.3: server_version, random[32], session_id&lt;0..32&gt;, cipher_suite, compression_method, ...</summary>
    internal static bool ParseServerHello(ReadOnlySpan<byte> msg, out ushort version, out ushort suite)
    {
        version = suite = 0;
        if (msg.Length < 2 + 32 + 1) return false;
        version = BinaryPrimitives.ReadUInt16BigEndian(msg);
        var sessionLength = msg[34];
        if (sessionLength > 32 || msg.Length < 35 + sessionLength + 3) return false;
        suite = BinaryPrimitives.ReadUInt16BigEndian(msg[(35 + sessionLength)..]);
        return true;
    }

    /// <summary>RFC 5246 §7.4.2: certificate_list&lt;0..2^24-1&gt; of ASN.1Cert&lt;1..2^24-1&gt;; at most 10 kept.</summary>
    internal static void ParseCertificates(ReadOnlySpan<byte> msg, List<byte[]> into)
    {
        if (msg.Length < 3) return;
        var listLength = (msg[0] << 16) | (msg[1] << 8) | msg[2];
        var list = msg[3..Math.Min(msg.Length, 3 + listLength)];
        while (list.Length >= 3 && into.Count < 10)
        {
            var n = (list[0] << 16) | (list[1] << 8) | list[2];
            if (n == 0 || list.Length < 3 + n) return;
            into.Add(list.Slice(3, n).ToArray());
            list = list[(3 + n)..];
        }
    }

    private static void Extension(List<byte> into, ushort type, byte[] data)
    {
        Put16(into, type);
        Put16(into, (ushort)data.Length);
        into.AddRange(data);
    }

    private static void Put16(List<byte> into, ushort value)
    {
        into.Add((byte)(value >> 8));
        into.Add((byte)value);
    }

    private static byte[] U16(int value) => [(byte)(value >> 8), (byte)value];

    private static byte[] U24(int value) => [(byte)(value >> 16), (byte)(value >> 8), (byte)value];
}
