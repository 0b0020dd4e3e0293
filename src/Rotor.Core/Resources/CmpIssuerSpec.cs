namespace Rotor.Core.Resources;

/// <summary>How ir/cr requests prove who sends them: a shared secret (IAK and its reference) or a signing certificate.</summary>
public enum CmpProtectionMode
{
    SharedSecret,
    Signature,
}

/// <summary>
/// An enterprise PKI reached over CMP (RFC 4210/9810, profile RFC 9483): a group of 1 to 10
/// server URLs, the protection of initial requests, the subject fields the CA wants beside the
/// certificate's common name, a key-update window, polling limits, and how many transactions
/// run at once. First issue and subject changes are ir; renewals are kur signed with the
/// current certificate and key.
/// </summary>
public sealed record CmpIssuerSpec
{
    public required IReadOnlyList<string> Servers { get; init; }

    public CmpProtectionMode Protection { get; init; } = CmpProtectionMode.SharedSecret;

    /// <summary>The Initial Authentication Key: its reference value (senderKID) and the secret.</summary>
    public CmpSharedSecretSpec? SharedSecret { get; init; }

    /// <summary>PEM files of the certificate and key that sign ir/cr when <see cref="Protection"/> is Signature.</summary>
    public CmpSignerSpec? Signer { get; init; }

    /// <summary>Subject fields added to the certificate's common name (the CA's naming rules).</summary>
    public CmpSubjectSpec Subject { get; init; } = new();

    /// <summary>The CA's name (recipient); null sends the NULL-DN (the old certificate's issuer for kur).</summary>
    public string? Recipient { get; init; }

    /// <summary>PEM file of the roots the CMP server's signing certificate chains to (signed responses); null uses <see cref="TrustedRoots"/>.</summary>
    public string? ServerTrust { get; init; }

    /// <summary>PEM file of the roots issued chains must build to; null trusts the caPubs of an authenticated ip.</summary>
    public string? TrustedRoots { get; init; }

    /// <summary>PEM file of the roots of the server's HTTPS certificate (https:// servers).</summary>
    public string? CaBundle { get; init; }

    /// <summary>Certificate and key PEM files Rotor presents in the TLS handshake to an https:// server that asks for one.</summary>
    public CmpSignerSpec? TlsClientCertificate { get; init; }

    /// <summary>When key updates may be sent (daily, in a time zone); null means any time.</summary>
    public KeyUpdateWindowSpec? KurWindow { get; init; }

    public CmpPollingSpec Polling { get; init; } = new();

    public bool ImplicitConfirm { get; init; }

    /// <summary>Transactions in flight at once against this issuer's servers (large fleets renew in batches).</summary>
    public int BatchSize { get; init; } = 10;
}

public sealed record CmpSharedSecretSpec(string Reference, SecretRef SecretRef);

public sealed record CmpSignerSpec(string Certificate, string PrivateKey);

/// <summary>X.500 attributes beside the common name, as an SBC's CMP client sets them.</summary>
public sealed record CmpSubjectSpec
{
    public string? Organization { get; init; }
    public string? OrganizationalUnit { get; init; }
    public string? Country { get; init; }
    public string? Province { get; init; }
    public string? Locality { get; init; }
}

/// <summary>A daily window, e.g. 02:00 to 04:00 Europe/Berlin; an end before the start crosses midnight.</summary>
public sealed record KeyUpdateWindowSpec(TimeOnly Start, TimeOnly End, string TimeZone);

public sealed record CmpPollingSpec
{
    public int MaxPolls { get; init; } = 10;
    public TimeSpan MessageTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
