using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;

namespace Rotor.Core.Abstractions;

/// <summary>
/// What an issuer is asked for: the spec, the new key (in-process only: local issuers sign its
/// public half directly, self-signed issuers sign with it), and a PKCS#10 request signed by it,
/// built only when an issuer that sends one (ACME, CMP) asks for it.
/// </summary>
public sealed record IssueRequest(string CertificateName, CertificateSpec Spec, System.Security.Cryptography.AsymmetricAlgorithm SubjectKey, Lazy<byte[]> CertificationRequest)
{
    public byte[] CertificationRequestDer => CertificationRequest.Value;

    /// <summary>The certificate this one renews, for issuers that say so to the CA (ACME ARI <c>replaces</c>).</summary>
    public X509Certificate2? Replaces { get; init; }

    /// <summary>
    /// The private key stays on a device (<see cref="IKeyOnDeviceTarget"/>): <see cref="SubjectKey"/>
    /// holds only the public key of <see cref="CertificationRequest"/>, the device's own request.
    /// Issuers sign that public key (local CA) or send that request (ACME); an issuer that needs
    /// the private key (self-signed, CMP proof of possession) refuses.
    /// </summary>
    public bool KeyOnDevice { get; init; }

    /// <summary>The key of <see cref="Replaces"/>, handed only to issuers that sign a key update with it (CMP kur).</summary>
    public System.Security.Cryptography.AsymmetricAlgorithm? ReplacesKey { get; init; }

    public override string ToString() => $"IssueRequest {{ {CertificateName} }}";
}

/// <summary>A certificate and the CA certificates above it, leaf first.</summary>
public sealed record IssuedCertificate(
    X509Certificate2 Leaf,
    IReadOnlyList<X509Certificate2> Intermediates,
    IReadOnlyList<X509Certificate2> Roots);

/// <summary>
/// Where certificates come from (local CA, ACME, CMP).
/// Contract: thread-safe; <see cref="IssueAsync"/> may be called for several certificates at
/// once; honours cancellation; failures are <see cref="RotorException"/> with IsTransient set.
/// Not idempotent: each call may issue a new certificate, so callers persist the result
/// before doing anything else with it.
/// </summary>
public interface IIssuer
{
    /// <summary>Whether the issuer back-dates notBefore by the configured skew allowance.</summary>
    bool CanBackdate { get; }

    Task<IssuedCertificate> IssueAsync(IssueRequest request, CancellationToken cancellationToken);

    /// <summary>The roots that chains from this issuer build to (what validation trusts).</summary>
    Task<IReadOnlyList<X509Certificate2>> GetTrustAnchorsAsync(CancellationToken cancellationToken);

    Task RevokeAsync(X509Certificate2 certificate, CancellationToken cancellationToken);
}

/// <summary>
/// Issuers that renew by a key update signed with the current certificate and key (CMP kur),
/// which the CA may accept only in a window. The reconciler hands them the current key and
/// asks before each renewal whether the update must wait.
/// </summary>
public interface IKeyUpdateIssuer
{
    /// <summary>
    /// Null when a new version of <paramref name="spec"/> replacing <paramref name="current"/>
    /// may be requested now (a first enrolment or a subject change never waits); otherwise when
    /// the key-update window next opens and the window's text.
    /// </summary>
    (DateTimeOffset Until, string Window)? DeferKeyUpdate(CertificateSpec spec, X509Certificate2 current, DateTimeOffset now);
}
