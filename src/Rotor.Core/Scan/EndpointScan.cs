namespace Rotor.Core.Scan;

/// <summary>OCSP answer about the presented leaf, from the responder its AIA names.</summary>
public enum OcspStatus
{
    /// <summary>No answer to judge: no AIA OCSP URL, no issuer in the chain, or the responder failed (see <see cref="EndpointScan.OcspDetail"/>).</summary>
    Unavailable,
    Good,
    Revoked,
    Unknown,
}

/// <summary>One certificate as an endpoint presented it: the facts a person checks, no key material.</summary>
public sealed record ScannedCertificate
{
    public required string Subject { get; init; }
    public required string Issuer { get; init; }
    public required string Serial { get; init; }
    public required string Sha256 { get; init; }
    public DateTimeOffset NotBefore { get; init; }
    public DateTimeOffset NotAfter { get; init; }
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>RSA, ECDSA, Ed25519, DSA, or the OID when none of those.</summary>
    public string KeyAlgorithm { get; init; } = "";
    public int KeySize { get; init; }

    /// <summary>The signature algorithm's name, e.g. sha256RSA, sha384ECDSA (its OID when unnamed).</summary>
    public string SignatureAlgorithm { get; init; } = "";
}

/// <summary>
/// What one scan found at one endpoint. Null means "not learned" (the handshake failed before, the
/// check was not asked); lists are empty when nothing was found. Stored as JSON with its scan run,
/// so fields are added, never renamed.
/// </summary>
public sealed record EndpointScan
{
    /// <summary>host:port as scanned ([address]:port for IPv6).</summary>
    public required string Endpoint { get; init; }
    public string? Sni { get; init; }

    /// <summary>Where it came from: an entry of the scan, or the SRV name that pointed at it.</summary>
    public string? Source { get; init; }
    public DateTimeOffset At { get; init; }

    /// <summary>A TLS server answered: the main handshake completed, or a probe handshake got a ServerHello.</summary>
    public bool Reachable { get; init; }

    /// <summary>The main handshake's failure (connect, TLS), or null when it completed.</summary>
    public string? Error { get; init; }

    public string? Protocol { get; init; }
    public string? CipherSuite { get; init; }
    public double? HandshakeMs { get; init; }

    /// <summary>The presented certificates, leaf first.</summary>
    public IReadOnlyList<ScannedCertificate> Chain { get; init; } = [];

    /// <summary>The chain builds to the trusted roots (expiry aside: that has its own rule).</summary>
    public bool? ChainValid { get; init; }
    public string? ChainProblem { get; init; }

    /// <summary>The name checked against the leaf (the SNI, else the host), and whether the leaf covers it.</summary>
    public string? CheckedName { get; init; }
    public bool? NameMatches { get; init; }

    /// <summary>Protocol versions below TLS 1.2 the server accepted when offered only them ("TLS 1.0", "TLS 1.1").</summary>
    public IReadOnlyList<string> LegacyProtocols { get; init; } = [];

    /// <summary>Weak suites (RC4, DES/3DES, NULL, EXPORT) the server picked when offered only those, by IANA name.</summary>
    public IReadOnlyList<string> WeakCiphers { get; init; } = [];

    public OcspStatus? Ocsp { get; init; }
    public string? OcspDetail { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>The Rotor certificate whose version this endpoint serves, when it is one.</summary>
    public string? ManagedCertificate { get; init; }
    public int? ManagedVersion { get; init; }

    /// <summary>The served version is the certificate's current one.</summary>
    public bool? ManagedCurrent { get; init; }

    public int? SipStatus { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public ScannedCertificate? Leaf => Chain.Count > 0 ? Chain[0] : null;
}

/// <summary>One run of a scan: when, how many endpoints, and whether it finished (results of an unfinished run are not judged).</summary>
public sealed record ScanRun(long Id, string Scan, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, int Endpoints, int Reachable);
