using System.Runtime.InteropServices;

namespace Rotor.Scan;

/// <summary>
/// The few libssl/libcrypto (OpenSSL 3) entry points the scanner's own handshake needs. The same
/// libraries .NET's SslStream runs on, on Linux; macros of ssl.h (SSL_CTX_set_min_proto_version,
/// SSL_set_tlsext_host_name, BIO_pending) are spelled out as the ctrl calls they expand to.
/// </summary>
internal static partial class LibSsl
{
    private const string Ssl = "libssl.so.3";
    private const string Crypto = "libcrypto.so.3";

    // ssl.h / tls1.h / bio.h constants.
    public const int SslCtrlSetTlsextHostname = 55;
    public const int TlsextNametypeHostName = 0;
    public const int SslCtrlSetMinProtoVersion = 123;
    public const int SslCtrlSetSessCacheMode = 44;
    public const int SslSessCacheOff = 0;
    public const ulong SslOpNoTicket = 1UL << 14;
    public const int Tls12Version = 0x0303;
    public const int SslVerifyNone = 0;
    public const int BioCtrlPending = 10;
    public const int SslErrorWantRead = 2;
    public const int SslErrorWantWrite = 3;

    [LibraryImport(Ssl)] public static partial IntPtr TLS_client_method();
    [LibraryImport(Ssl)] public static partial IntPtr SSL_CTX_new(IntPtr method);
    [LibraryImport(Ssl)] public static partial void SSL_CTX_free(IntPtr ctx);
    [LibraryImport(Ssl)] public static partial long SSL_CTX_ctrl(IntPtr ctx, int cmd, long larg, IntPtr parg);
    [LibraryImport(Ssl)] public static partial ulong SSL_CTX_set_options(IntPtr ctx, ulong options);
    [LibraryImport(Ssl)] public static partial void SSL_CTX_set_verify(IntPtr ctx, int mode, IntPtr callback);
    [LibraryImport(Ssl)] public static unsafe partial void SSL_CTX_set_cert_verify_callback(IntPtr ctx, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int> callback, IntPtr arg);
    [LibraryImport(Ssl)] public static partial IntPtr SSL_new(IntPtr ctx);
    [LibraryImport(Ssl)] public static partial void SSL_free(IntPtr ssl);
    [LibraryImport(Ssl)] public static partial long SSL_ctrl(IntPtr ssl, int cmd, long larg, IntPtr parg);
    [LibraryImport(Ssl)] public static partial void SSL_set_connect_state(IntPtr ssl);
    [LibraryImport(Ssl)] public static partial void SSL_set_bio(IntPtr ssl, IntPtr readBio, IntPtr writeBio);
    [LibraryImport(Ssl)] public static partial int SSL_do_handshake(IntPtr ssl);
    [LibraryImport(Ssl)] public static partial int SSL_get_error(IntPtr ssl, int ret);
    [LibraryImport(Ssl)] public static partial int SSL_version(IntPtr ssl);
    [LibraryImport(Ssl)] public static partial IntPtr SSL_get_current_cipher(IntPtr ssl);
    [LibraryImport(Ssl)] public static partial ushort SSL_CIPHER_get_protocol_id(IntPtr cipher);
    [LibraryImport(Ssl)] public static partial IntPtr SSL_get_peer_cert_chain(IntPtr ssl);

    [LibraryImport(Crypto)] public static partial IntPtr BIO_s_mem();
    [LibraryImport(Crypto)] public static partial IntPtr BIO_new(IntPtr type);
    [LibraryImport(Crypto)] public static partial int BIO_free(IntPtr bio);
    [LibraryImport(Crypto)] public static partial int BIO_write(IntPtr bio, byte[] data, int length);
    [LibraryImport(Crypto)] public static partial int BIO_read(IntPtr bio, byte[] data, int length);
    [LibraryImport(Crypto)] public static partial long BIO_ctrl(IntPtr bio, int cmd, long larg, IntPtr parg);
    [LibraryImport(Crypto)] public static partial int OPENSSL_sk_num(IntPtr stack);
    [LibraryImport(Crypto)] public static partial IntPtr OPENSSL_sk_value(IntPtr stack, int index);
    [LibraryImport(Crypto)] public static partial int i2d_X509(IntPtr certificate, ref IntPtr output);
    [LibraryImport(Crypto)] public static partial ulong OpenSSL_version_num();
    [LibraryImport(Crypto)] public static partial ulong ERR_get_error();
    [LibraryImport(Crypto)] public static partial void ERR_clear_error();
    [LibraryImport(Crypto)] public static partial void ERR_error_string_n(ulong error, byte[] buffer, nuint length);
}
