using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Cmp.Messages;

namespace Rotor.Cmp;

/// <summary>
/// What to ask for in an ir, cr or kur: the subject, the new key (its private half signs the
/// proof of possession and never leaves the process), and the extensions of the template.
/// </summary>
public sealed record CmpCertificateRequest
{
    public required X500DistinguishedName Subject { get; init; }

    /// <summary>The key to certify: an ECDsa or RSA instance with its private key.</summary>
    public required AsymmetricAlgorithm Key { get; init; }

    /// <summary>Template extensions, e.g. subjectAltName.</summary>
    public IReadOnlyList<X509Extension> Extensions { get; init; } = [];

    public DateTimeOffset? NotBefore { get; init; }

    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>
    /// Called with the issued certificate once it has passed the library's own checks
    /// (its public key is the requested key). Return null to accept, or a reason to reject it:
    /// the reason goes to the server in certConf and the enrolment fails with
    /// <see cref="CmpReasons.CertificateRejected"/>.
    /// </summary>
    public Func<X509Certificate2, string?>? AcceptCertificate { get; init; }

    /// <summary>
    /// Called after <see cref="AcceptCertificate"/> accepted the certificate, with the
    /// certificates the response brought (caPubs of an authenticated ip, extraCerts), so the
    /// caller can check the chain it will build before certConf. Return null to accept, or a
    /// reason to reject the certificate at the CA, as with <see cref="AcceptCertificate"/>.
    /// </summary>
    public Func<CmpIssuedCertificate, string?>? AcceptIssued { get; init; }

    /// <summary>Told each step of the transaction (request sent, waiting to poll, confirming). Must not throw.</summary>
    public Action<CmpProgress>? Progress { get; init; }

    // The key object's own ToString says nothing secret, but a record would print every
    // property; name only what identifies the request.
    public override string ToString() => $"CMP certificate request for {Subject.Name} ({Key.GetType().Name} {Key.KeySize})";
}

/// <summary>
/// An issued certificate before certConf, with the certificates of its response:
/// <paramref name="CaPubs"/> only from an ip that passed its protection check (else empty),
/// <paramref name="ExtraCerts"/> unauthenticated (anyone on the path may have changed them).
/// </summary>
public sealed record CmpIssuedCertificate(X509Certificate2 Certificate, IReadOnlyList<X509Certificate2> CaPubs, IReadOnlyList<X509Certificate2> ExtraCerts);

/// <summary>The outcome of a successful ir/cr/kur/p10cr transaction.</summary>
public sealed record CmpEnrollmentResult
{
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>CA certificates from caPubs of an ip that passed protection checks; empty otherwise.</summary>
    public required IReadOnlyList<X509Certificate2> CaPubs { get; init; }

    /// <summary>extraCerts of the final response (typically the issuing chain).</summary>
    public required IReadOnlyList<X509Certificate2> ExtraCerts { get; init; }

    /// <summary>Accepted or GrantedWithMods (or a warning status that still carried a certificate).</summary>
    public required CmpStatus Status { get; init; }

    public required Uri Server { get; init; }

    /// <summary>The transactionID in lower-case hex.</summary>
    public required string TransactionId { get; init; }

    /// <summary>True when the server granted implicitConfirm and no certConf was sent.</summary>
    public required bool ImplicitlyConfirmed { get; init; }

    /// <summary>How many pollReq messages the transaction needed.</summary>
    public required int Polls { get; init; }
}
