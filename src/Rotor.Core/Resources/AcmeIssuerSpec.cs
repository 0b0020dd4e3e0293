namespace Rotor.Core.Resources;

/// <summary>
/// An RFC 8555 CA (cert-manager's ACME issuer, field for field where the concept is the same):
/// directory URL, account email, optional EAB, solvers chosen per certificate, preferred chain,
/// profile, and the trust for the server's own HTTPS (a CA bundle file, never forced into the
/// system store).
/// </summary>
public sealed record AcmeIssuerSpec
{
    public required string Server { get; init; }
    public string? Email { get; init; }

    /// <summary>PEM file of the roots that sign the ACME server's HTTPS certificate; null means the system trust.</summary>
    public string? CaBundle { get; init; }
    public string? PreferredChain { get; init; }

    /// <summary>
    /// PEM file of the roots the issued chains must build to (pre-deploy validation); null means
    /// the system trust store, right for public CAs. A private ACME CA names its root here.
    /// </summary>
    public string? TrustedRoots { get; init; }
    public string? Profile { get; init; }
    public ExternalAccountBindingSpec? ExternalAccountBinding { get; init; }
    public PrivateKeySpec AccountKey { get; init; } = new();
    public IReadOnlyList<AcmeSolverSpec> Solvers { get; init; } = [];

    /// <summary>Orders in flight at once on this account.</summary>
    public int MaxConcurrentOrders { get; init; } = 10;

    /// <summary>Follow the CA's renewal window (RFC 9773) when its directory offers renewalInfo.</summary>
    public bool UseRenewalInfo { get; init; } = true;
}

/// <summary>cert-manager's externalAccountBinding: keyID, keySecretRef (base64url MAC key), keyAlgorithm.</summary>
public sealed record ExternalAccountBindingSpec(string KeyId, SecretRef KeySecretRef, string KeyAlgorithm);

/// <summary>One solver and the certificates it serves (no selector: every name not matched elsewhere).</summary>
public sealed record AcmeSolverSpec(SolverSelector? Selector, Dns01SolverSpec? Dns01, Http01SolverSpec? Http01);

public sealed record SolverSelector(IReadOnlyList<string> DnsNames, IReadOnlyList<string> DnsZones);

public sealed record Dns01SolverSpec
{
    public Rfc2136Spec? Rfc2136 { get; init; }
    public ExecDnsSpec? Exec { get; init; }
    public WebhookDnsSpec? Webhook { get; init; }

    /// <summary>How long to wait for the TXT record to show on every authoritative server.</summary>
    public TimeSpan PropagationTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Resolvers for the SOA walk and CNAME lookups (host:port); empty means the system's.</summary>
    public IReadOnlyList<string> Resolvers { get; init; } = [];

    /// <summary>Authoritative servers to check (host:port) instead of the zone's NS records.</summary>
    public IReadOnlyList<string> CheckNameservers { get; init; } = [];

    /// <summary>Port of the zone's authoritative servers found through NS records.</summary>
    public int AuthoritativePort { get; init; } = 53;
}

/// <summary>RFC 2136 dynamic update with a TSIG key (cert-manager's rfc2136 solver).</summary>
public sealed record Rfc2136Spec(string Nameserver, string TsigKeyName, string TsigAlgorithm, SecretRef TsigSecretSecretRef);

/// <summary>A script called as lego's exec provider calls it: <c>present|cleanup FQDN VALUE</c>.</summary>
public sealed record ExecDnsSpec(string Command, TimeSpan Timeout);

/// <summary>lego's httpreq convention: POST {url}/present and {url}/cleanup with {"fqdn","value"}.</summary>
public sealed record WebhookDnsSpec(string Url, SecretRef? AuthSecretRef);

/// <summary>HTTP-01 by a built-in responder on <see cref="Listen"/>, or files under <see cref="Webroot"/>.</summary>
public sealed record Http01SolverSpec(string? Listen, string? Webroot);
