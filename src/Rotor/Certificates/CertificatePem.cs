using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rotor.Certificates;

/// <summary>
/// Certificates as text and as names: PEM out, PEM in (bounded), and the SHA-256 fingerprint
/// Rotor records versions by. Used by issuers, targets, probes, scheduling and the CLI.
/// </summary>
public static class CertificatePem
{
    /// <summary>SHA-256 of the DER, as upper-case hex: how Rotor records and compares versions.</summary>
    public static string Sha256Fingerprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);

    public static string ToPem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    /// <summary>
    /// The certificates of <paramref name="pem"/>, in order; empty when it holds none. Linear in the
    /// text and capped at <see cref="PemLimits.TrustBundle"/>'s count (see <see cref="PemReader"/>).
    /// </summary>
    /// <exception cref="CryptographicException">The text is not readable PEM, holds too many blocks, or a certificate block does not decode.</exception>
    public static IReadOnlyList<X509Certificate2> ReadPemChain(string pem)
    {
        var read = PemReader.ReadCertificates(pem, PemLimits.TrustBundle.MaxCertificates);
        if (read.Error is not null) throw new CryptographicException(read.Error);
        if (read.Undecodable.Count > 0) throw new CryptographicException(string.Join("; ", read.Undecodable));
        return read.Certificates;
    }
}
