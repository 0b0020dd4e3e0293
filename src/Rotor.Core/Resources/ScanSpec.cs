namespace Rotor.Core.Resources;

/// <summary>
/// A discovery scan (<c>kind: Scan</c>): SIP TLS endpoints to look at, given as <c>host:port</c>
/// entries (with ranges, see <see cref="ScanTargets"/>) and DNS SRV names (<c>_sips._tcp.example.test</c>,
/// <c>_sip._tls.example.test</c>), looked at every <see cref="Interval"/> by <c>rotor run</c>, at most
/// <see cref="Concurrency"/> endpoints at a time, each within <see cref="Timeout"/>.
/// </summary>
public sealed record ScanSpec(IReadOnlyList<string> Endpoints, IReadOnlyList<string> Srv)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromHours(6);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);
    public const int DefaultConcurrency = 16;
    public const int MaxConcurrency = 256;

    /// <summary>Entries in <see cref="Endpoints"/> and names in <see cref="Srv"/>, each list.</summary>
    public const int MaxEntries = 1024;

    public TimeSpan Interval { get; init; } = DefaultInterval;

    /// <summary>Also send a SIP OPTIONS over the main handshake's connection; any final response counts as alive.</summary>
    public bool Sip { get; init; }

    public int Concurrency { get; init; } = DefaultConcurrency;

    /// <summary>Limit for each check of one endpoint (the handshake, each protocol probe, the OCSP request).</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Server name to send and check when an entry's host is an address (a name host is sent as itself).</summary>
    public string? Sni { get; init; }

    /// <summary>PEM roots the presented chains must build to (relative to the manifest); the system trust store when null.</summary>
    public string? CaBundle { get; init; }
}
