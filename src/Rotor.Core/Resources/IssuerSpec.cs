namespace Rotor.Core.Resources;

public enum IssuerKind
{
    SelfSigned,
    Ca,
    Acme,
    Cmp,
}

/// <summary>Where certificates come from. Exactly one kind is set, as the one key under <c>spec</c>.</summary>
public sealed record IssuerSpec(IssuerKind Kind, CaIssuerSpec? Ca = null, SelfSignedIssuerSpec? SelfSigned = null, AcmeIssuerSpec? Acme = null, CmpIssuerSpec? Cmp = null);

/// <summary>
/// A local CA whose key Rotor holds. With no paths given, Rotor's own root (created by
/// <c>rotor init</c> or on first use) signs; <see cref="Intermediate"/> puts an intermediate CA
/// between that root and the leaves. With paths, the given CA certificate and key sign.
/// </summary>
public sealed record CaIssuerSpec(
    string? CertificatePath,
    string? PrivateKeyPath,
    string? ChainPath,
    bool Intermediate,
    TimeSpan Backdate,
    bool SecureMode)
{
    public static readonly TimeSpan DefaultBackdate = TimeSpan.FromHours(1);
}

/// <summary>Each certificate signs itself. For tests and for peers that pin a leaf.</summary>
public sealed record SelfSignedIssuerSpec(TimeSpan Backdate);
