using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Rotor.Scan;

/// <summary>What a completed handshake showed: the presented chain (leaf first, the caller's to dispose), version and suite.</summary>
internal sealed record NativeHandshakeResult(IReadOnlyList<X509Certificate2> Chain, int Version, TlsCipherSuite Suite);

/// <summary>Why a handshake did not complete, in OpenSSL's words; never carries key material.</summary>
internal sealed class NativeHandshakeException(string message) : Exception(message);

/// <summary>
/// A full TLS 1.2/1.3 client handshake driven directly on libssl through memory BIOs, with the
/// socket I/O in .NET. It exists for discovery scans: SslStream spends over twice OpenSSL's own
/// CPU per handshake on a fresh SSL_CTX per connection (it caches contexts only with session
/// resumption, which a scan must not use: every endpoint must show its own certificate) and on a
/// chain build a scan judges separately. One shared context: no verification (the scanner judges
/// what is presented, so libssl's own chain build is replaced by a callback that accepts), no
/// session cache, no tickets, TLS 1.2 at least. The presented certificates are handed over as the
/// X509 objects libssl already decoded (OpenSSL 3 spends about as much on decoding a certificate's
/// key as on the rest of the client's handshake), when .NET runs on the same libcrypto. Thread-safe:
/// each handshake has its own SSL object; the error queue is read on the thread that made the failing call.
/// </summary>
internal sealed class OpenSslHandshake
{
    /// <summary>Bytes read from the socket at a time: one TLS record and its header.</summary>
    private const int ReadSize = 16384 + 2048 + 5;

    private static readonly Lazy<OpenSslHandshake?> SharedContext = new(Create);
    private readonly IntPtr _context;
    private readonly bool _sharesLibCrypto;

    private OpenSslHandshake(IntPtr context, bool sharesLibCrypto)
    {
        _context = context;
        _sharesLibCrypto = sharesLibCrypto;
    }

    /// <summary>The process's context, or null where libssl.so.3 cannot be loaded (then SslStream serves).</summary>
    public static OpenSslHandshake? Shared => SharedContext.Value;

    private static OpenSslHandshake? Create()
    {
        try
        {
            var context = LibSsl.SSL_CTX_new(LibSsl.TLS_client_method());
            if (context == IntPtr.Zero) return null;
            LibSsl.SSL_CTX_ctrl(context, LibSsl.SslCtrlSetMinProtoVersion, LibSsl.Tls12Version, IntPtr.Zero);
            LibSsl.SSL_CTX_ctrl(context, LibSsl.SslCtrlSetSessCacheMode, LibSsl.SslSessCacheOff, IntPtr.Zero);
            LibSsl.SSL_CTX_set_options(context, LibSsl.SslOpNoTicket);
            LibSsl.SSL_CTX_set_verify(context, LibSsl.SslVerifyNone, IntPtr.Zero);
            unsafe
            {
                LibSsl.SSL_CTX_set_cert_verify_callback(context, &AcceptPresented, IntPtr.Zero);
            }
            // An X509 handle can pass to X509Certificate2 only within one libcrypto: the one .NET
            // loaded (by the same soname, so the same instance) reports the same version.
            var shares = SafeEvpPKeyHandle.OpenSslVersion == (long)LibSsl.OpenSSL_version_num();
            return new OpenSslHandshake(context, shares);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// libssl's chain verification, replaced: the handshake only has to hand over what was presented
    /// (the scanner judges it once per distinct chain), so libssl's own X509_verify_cert, whose
    /// result SSL_VERIFY_NONE would ignore anyway, is not run.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int AcceptPresented(IntPtr storeContext, IntPtr argument) => 1;

    /// <summary>Handshakes over <paramref name="socket"/> (connected); the socket stays the caller's.</summary>
    public async Task<NativeHandshakeResult> HandshakeAsync(Socket socket, string? serverName, CancellationToken cancellationToken)
    {
        using var ssl = NewConnection(serverName);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            while (true)
            {
                var (done, error) = Step(ssl);
                await FlushAsync(ssl, socket, buffer, cancellationToken);
                if (done) return Result(ssl);
                if (error is not null) throw new NativeHandshakeException(error);
                var received = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, cancellationToken);
                if (received == 0) throw new NativeHandshakeException("the server closed the connection during the handshake");
                if (LibSsl.BIO_write(ssl.ReadBio, buffer, received) != received) throw new NativeHandshakeException("OpenSSL refused the received bytes");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private SslConnection NewConnection(string? serverName)
    {
        var handle = LibSsl.SSL_new(_context);
        if (handle == IntPtr.Zero) throw new NativeHandshakeException("OpenSSL could not make a connection object");
        var connection = new SslConnection(handle);
        var readBio = LibSsl.BIO_new(LibSsl.BIO_s_mem());
        var writeBio = LibSsl.BIO_new(LibSsl.BIO_s_mem());
        if (readBio == IntPtr.Zero || writeBio == IntPtr.Zero)
        {
            if (readBio != IntPtr.Zero) LibSsl.BIO_free(readBio);
            if (writeBio != IntPtr.Zero) LibSsl.BIO_free(writeBio);
            connection.Dispose();
            throw new NativeHandshakeException("OpenSSL could not make memory BIOs");
        }
        LibSsl.SSL_set_bio(handle, readBio, writeBio); // the SSL object owns both BIOs from here
        connection.ReadBio = readBio;
        connection.WriteBio = writeBio;
        LibSsl.SSL_set_connect_state(handle);
        if (!string.IsNullOrEmpty(serverName))
        {
            var name = Marshal.StringToCoTaskMemUTF8(serverName);
            try
            {
                LibSsl.SSL_ctrl(handle, LibSsl.SslCtrlSetTlsextHostname, LibSsl.TlsextNametypeHostName, name);
            }
            finally
            {
                Marshal.FreeCoTaskMem(name);
            }
        }
        return connection;
    }

    /// <summary>One SSL_do_handshake; the error text is read here, on the thread whose queue holds it.</summary>
    private static (bool Done, string? Error) Step(SslConnection ssl)
    {
        LibSsl.ERR_clear_error();
        var rc = LibSsl.SSL_do_handshake(ssl.Handle);
        if (rc == 1) return (true, null);
        var code = LibSsl.SSL_get_error(ssl.Handle, rc);
        if (code is LibSsl.SslErrorWantRead or LibSsl.SslErrorWantWrite) return (false, null);
        var error = LibSsl.ERR_get_error();
        if (error == 0) return (false, $"the handshake failed (SSL_get_error {code})");
        var text = new byte[256];
        LibSsl.ERR_error_string_n(error, text, (nuint)text.Length);
        return (false, Encoding.ASCII.GetString(text, 0, Array.IndexOf(text, (byte)0) is var end and >= 0 ? end : text.Length));
    }

    private static async Task FlushAsync(SslConnection ssl, Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        while (LibSsl.BIO_ctrl(ssl.WriteBio, LibSsl.BioCtrlPending, 0, IntPtr.Zero) > 0)
        {
            var n = LibSsl.BIO_read(ssl.WriteBio, buffer, buffer.Length);
            if (n <= 0) return;
            var sent = 0;
            while (sent < n) sent += await socket.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None, cancellationToken);
        }
    }

    private NativeHandshakeResult Result(SslConnection ssl)
    {
        var chain = new List<X509Certificate2>();
        var stack = LibSsl.SSL_get_peer_cert_chain(ssl.Handle); // owned by the SSL object
        var count = stack == IntPtr.Zero ? 0 : LibSsl.OPENSSL_sk_num(stack);
        for (var i = 0; i < count; i++)
        {
            var certificate = LibSsl.OPENSSL_sk_value(stack, i);
            if (certificate == IntPtr.Zero) continue;
            try
            {
                // Takes its own reference: the certificate outlives the SSL object without being decoded again.
                // The one place Rotor does not use X509CertificateLoader: the loader only takes bytes, and
                // decoding the same certificate a second time is a quarter of a millisecond per endpoint.
                if (_sharesLibCrypto) chain.Add(new X509Certificate2(certificate));
                else if (Encoded(certificate) is { } der) chain.Add(X509CertificateLoader.LoadCertificate(der));
            }
            catch (CryptographicException)
            {
                break; // the rest of a chain after an unreadable certificate is not worth judging
            }
        }
        var cipher = LibSsl.SSL_get_current_cipher(ssl.Handle);
        var suite = cipher == IntPtr.Zero ? default : (TlsCipherSuite)LibSsl.SSL_CIPHER_get_protocol_id(cipher);
        return new NativeHandshakeResult(chain, LibSsl.SSL_version(ssl.Handle), suite);
    }

    /// <summary>The certificate's DER, for a .NET on another libcrypto than libssl's.</summary>
    private static byte[]? Encoded(IntPtr certificate)
    {
        var none = IntPtr.Zero;
        var length = LibSsl.i2d_X509(certificate, ref none);
        if (length <= 0) return null;
        var native = Marshal.AllocHGlobal(length);
        try
        {
            var cursor = native;
            LibSsl.i2d_X509(certificate, ref cursor);
            var der = new byte[length];
            Marshal.Copy(native, der, 0, length);
            return der;
        }
        finally
        {
            Marshal.FreeHGlobal(native);
        }
    }

    /// <summary>An SSL object (and, through it, its two BIOs), freed once.</summary>
    private sealed class SslConnection(IntPtr handle) : SafeHandle(handle, ownsHandle: true)
    {
        public IntPtr Handle => handle;
        public IntPtr ReadBio { get; set; }
        public IntPtr WriteBio { get; set; }
        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            LibSsl.SSL_free(handle);
            return true;
        }
    }
}
