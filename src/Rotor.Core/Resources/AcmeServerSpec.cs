using System.Net;

namespace Rotor.Core.Resources;

/// <summary>
/// Rotor as an ACME server (RFC 8555) for devices that carry their own ACME client
/// (<c>kind: AcmeServer</c>): where it listens (always HTTPS, with a certificate from the backing
/// issuer), which issuer signs what it hands out, what it may hand out, and how it reaches the
/// names it validates.
/// </summary>
public sealed record AcmeServerSpec
{
    public const int DefaultPort = 8555;
    public static readonly string DefaultListen = $"127.0.0.1:{DefaultPort}";

    /// <summary>address:port the server listens on (an IP address; <c>[v6]:port</c>); 127.0.0.1:8555 by default.</summary>
    public string Listen { get; init; } = DefaultListen;

    /// <summary>The Issuer that signs the certificates this server issues, and its own HTTPS certificate.</summary>
    public string IssuerRef { get; init; } = "";

    /// <summary>
    /// Names (DNS names or IP addresses) the server's own HTTPS certificate carries besides the
    /// listen address; a listen on an unspecified address (0.0.0.0, ::) needs at least one.
    /// </summary>
    public IReadOnlyList<string> ServerNames { get; init; } = [];

    public AcmeServerPolicy Policy { get; init; } = new();

    public AcmeServerValidation Validation { get; init; } = new();

    /// <summary>Whether newAccount needs External Account Binding (RFC 8555 7.3.4); true unless turned off.</summary>
    public bool ExternalAccountRequired { get; init; } = true;

    /// <summary>The listen address as an endpoint (the parser checked it and wrote it with its port).</summary>
    public IPEndPoint ListenEndpoint() => IPEndPoint.Parse(Listen);
}

/// <summary>What the server hands out: which names, which keys, for how long, how often.</summary>
public sealed record AcmeServerPolicy
{
    public static readonly TimeSpan DefaultMaxDuration = TimeSpan.FromDays(90);

    public static readonly IReadOnlyList<string> KnownKeyTypes = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"];

    /// <summary>DNS name rules: <c>.suffix</c> (any name below it), an exact name, or <c>regex:PATTERN</c> (whole name). Empty: no DNS names.</summary>
    public IReadOnlyList<string> DnsNames { get; init; } = [];

    /// <summary>CIDR ranges IP identifiers must fall in. Empty: no IP identifiers.</summary>
    public IReadOnlyList<string> IpRanges { get; init; } = [];

    /// <summary>Key types a CSR may carry (<see cref="KnownKeyTypes"/>); all of them by default.</summary>
    public IReadOnlyList<string> KeyTypes { get; init; } = KnownKeyTypes;

    /// <summary>Longest validity the server signs; a longer notAfter asked for is capped.</summary>
    public TimeSpan MaxDuration { get; init; } = DefaultMaxDuration;

    /// <summary>New orders per account per period; null: no limit.</summary>
    public AcmeRate? RatePerAccount { get; init; }
}

/// <summary>At most <see cref="Count"/> in any <see cref="Period"/> (written <c>50/h</c>).</summary>
public sealed record AcmeRate(int Count, TimeSpan Period)
{
    public override string ToString() => $"{Count}/{DurationParser.Format(Period)}";
}

/// <summary>How the server reaches the names it validates.</summary>
public sealed record AcmeServerValidation
{
    /// <summary>Names resolved here before the system resolver is asked (http-01).</summary>
    public IReadOnlyDictionary<string, string> Hosts { get; init; } = new Dictionary<string, string>();

    /// <summary>Port http-01 fetches the token from (80 by default, as RFC 8555 8.3 says).</summary>
    public int Http01Port { get; init; } = 80;

    /// <summary>DNS servers (address or address:port) dns-01 asks for TXT records; the system's when empty.</summary>
    public IReadOnlyList<string> DnsResolvers { get; init; } = [];

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Limit for one validation attempt.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;
}
