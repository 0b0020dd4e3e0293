namespace Rotor.Scan;

/// <summary>
/// The TLS cipher suites the scanner offers in its own ClientHellos (IANA numbers and names,
/// RFC 5246 appendix A.5, RFC 4492, RFC 2712/4346 for EXPORT): ordinary CBC suites for the TLS 1.0/1.1
/// probes, and only weak ones (RC4, DES, 3DES, NULL, EXPORT) for the weak-suite probe.
/// </summary>
internal static class TlsSuites
{
    /// <summary>What a TLS 1.0/1.1 server commonly accepts, so a refusal means the version, not the suites.</summary>
    public static readonly ushort[] Legacy =
    [
        0xC013, 0xC014, 0xC009, 0xC00A, 0x0033, 0x0039, 0x002F, 0x0035, 0x0041, 0x0084, 0xC012, 0x000A, 0x0016, 0x0005, 0x0004,
    ];

    public static readonly IReadOnlyDictionary<ushort, string> Weak = new Dictionary<ushort, string>
    {
        [0x0004] = "TLS_RSA_WITH_RC4_128_MD5",
        [0x0005] = "TLS_RSA_WITH_RC4_128_SHA",
        [0xC011] = "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
        [0xC007] = "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
        [0x000A] = "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        [0xC012] = "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        [0xC008] = "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        [0x0016] = "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        [0x0013] = "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
        [0x0009] = "TLS_RSA_WITH_DES_CBC_SHA",
        [0x0015] = "TLS_DHE_RSA_WITH_DES_CBC_SHA",
        [0x0012] = "TLS_DHE_DSS_WITH_DES_CBC_SHA",
        [0x0001] = "TLS_RSA_WITH_NULL_MD5",
        [0x0002] = "TLS_RSA_WITH_NULL_SHA",
        [0x003B] = "TLS_RSA_WITH_NULL_SHA256",
        [0xC010] = "TLS_ECDHE_RSA_WITH_NULL_SHA",
        [0xC006] = "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
        [0x0003] = "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
        [0x0006] = "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5",
        [0x0008] = "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
        [0x0014] = "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
        [0x0011] = "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA",
    };

    public static string Name(ushort suite) => Weak.TryGetValue(suite, out var name) ? name : $"0x{suite:X4}";

    public static string VersionName(ushort version) => version switch
    {
        0x0300 => "SSL 3.0",
        0x0301 => "TLS 1.0",
        0x0302 => "TLS 1.1",
        0x0303 => "TLS 1.2",
        0x0304 => "TLS 1.3",
        _ => $"0x{version:X4}",
    };
}
