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
