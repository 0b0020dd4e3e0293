using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;
using Org.BouncyCastle.Asn1.X509;

namespace Rotor.Cmp.Protection;

/// <summary>
/// How requests are protected (RFC 4210 section 5.1.3): a MAC with a shared secret, or a
/// signature with a certificate and its key. Holds secret material, so its
/// <see cref="object.ToString"/> names only the public part.
/// </summary>
public abstract class CmpProtection
{
    private protected CmpProtection()
    {
    }

    /// <summary>MAC protection (PBM) with an Initial Authentication Key and its reference value.</summary>
    public static CmpSharedSecretProtection SharedSecret(string reference, ReadOnlySpan<byte> secret, int iterations = CmpSharedSecretProtection.DefaultIterations) =>
        new(reference, secret, iterations);

    /// <summary>Signature protection with a certificate that has its private key, plus its chain for extraCerts.</summary>
    public static CmpSignatureProtection Signature(X509Certificate2 certificate, IEnumerable<X509Certificate2>? chain = null) =>
        new(certificate, chain);

    /// <summary>The senderKID to put in the header.</summary>
    internal abstract byte[] SenderKid { get; }

    /// <summary>The sender name, or null to use the subject of the request.</summary>
    internal abstract X500DistinguishedName? Sender { get; }

    internal abstract AlgorithmIdentifier NewAlgorithm();

    internal abstract byte[] Protect(AlgorithmIdentifier algorithm, byte[] protectedPart);

    /// <summary>Certificates for extraCerts: the signer first, then its chain (RFC 9483 section 3.3).</summary>
    internal abstract IReadOnlyList<X509Certificate2> ExtraCerts { get; }
}

/// <summary>
/// PBM protection. The secret is copied in and kept only here; it is never formatted into
/// text. Dispose to wipe the copy.
/// </summary>
public sealed class CmpSharedSecretProtection : CmpProtection, IDisposable
{
    /// <summary>RFC 9481 section 6.1.1 asks for a count that makes guessing costly; the server pays it per message too.</summary>
    public const int DefaultIterations = 10_000;

    private readonly byte[] _secret;
    private readonly int _iterations;

    public CmpSharedSecretProtection(string reference, ReadOnlySpan<byte> secret, int iterations = DefaultIterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        if (secret.IsEmpty) throw new ArgumentException("the shared secret (IAK) must not be empty", nameof(secret));
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, PasswordBasedMac.MaxIterations);
        Reference = reference;
        _secret = secret.ToArray();
        _iterations = iterations;
    }

    /// <summary>The reference value the server knows the secret by; sent as senderKID.</summary>
    public string Reference { get; }

    internal override byte[] SenderKid => Encoding.UTF8.GetBytes(Reference);

    internal override X500DistinguishedName? Sender => null;

    internal override IReadOnlyList<X509Certificate2> ExtraCerts => [];

    internal override AlgorithmIdentifier NewAlgorithm() => PasswordBasedMac.NewAlgorithm(_iterations);

    internal override byte[] Protect(AlgorithmIdentifier algorithm, byte[] protectedPart) =>
        PasswordBasedMac.Compute(_secret, algorithm, protectedPart);

    /// <summary>Checks a MAC-protected response with the parameters in its own header.</summary>
    internal bool Verify(AlgorithmIdentifier algorithm, byte[] protectedPart, byte[] protection) =>
        CryptographicOperations.FixedTimeEquals(PasswordBasedMac.Compute(_secret, algorithm, protectedPart), protection);

    public override string ToString() => $"shared secret (reference {Reference})";

    public void Dispose() => CryptographicOperations.ZeroMemory(_secret);
}

/// <summary>Signature protection with a certificate and its private key.</summary>
public sealed class CmpSignatureProtection : CmpProtection
{
    private readonly AsymmetricAlgorithm _key;

    public CmpSignatureProtection(X509Certificate2 certificate, IEnumerable<X509Certificate2>? chain = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        _key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()
            ?? throw new ArgumentException("the protection certificate needs its ECDSA or RSA private key", nameof(certificate));
        Certificate = certificate;
        Chain = chain?.ToList() ?? [];
    }

    public X509Certificate2 Certificate { get; }

    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <summary>
    /// senderKID = the certificate's SubjectKeyIdentifier (RFC 9483 section 3.1); a
    /// certificate without one gets no senderKID and is found by its sender name.
    /// </summary>
    internal override byte[] SenderKid =>
        Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes.ToArray() ?? [];

    internal override X500DistinguishedName? Sender => Certificate.SubjectName;

    internal override IReadOnlyList<X509Certificate2> ExtraCerts => [Certificate, .. Chain];

    internal override AlgorithmIdentifier NewAlgorithm() => CmpSignatures.AlgorithmFor(_key);

    internal override byte[] Protect(AlgorithmIdentifier algorithm, byte[] protectedPart) => CmpSignatures.Sign(_key, protectedPart).Signature;

    public override string ToString() => $"signature ({Certificate.Subject}, {Certificate.Thumbprint})";
}
