using System.Security.Cryptography.X509Certificates;

namespace Rotor.Core.Abstractions;

/// <summary>When the CA wants a certificate renewed, and when to ask it again.</summary>
public sealed record RenewalAdvice(DateTimeOffset RenewAt, DateTimeOffset CheckAgainAt, string Source);

/// <summary>
/// An issuer that can say when to renew (ACME Renewal Information, RFC 9773). Optional: an
/// issuer without it leaves renewal to the spec's schedule. Contract: thread-safe; returns
/// null when the CA offers no advice; a failure to ask is the caller's to ignore.
/// </summary>
public interface IRenewalAdvisor
{
    Task<RenewalAdvice?> GetRenewalAdviceAsync(X509Certificate2 certificate, CancellationToken cancellationToken);
}
