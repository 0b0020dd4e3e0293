using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Issuers;
using Rotor.Certificates;

namespace Rotor.Probes;

/// <summary>
/// How a <see cref="TlsProbe"/> judges what it sees: the roots a presented chain must build to,
/// and how long one probe (connect, handshake and SIP together) may take.
/// </summary>
public sealed record TlsProbeOptions
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Roots the presented chain must build to; these alone are trusted (custom root trust).
    /// Empty: the system trust store.
    /// </summary>
    public IReadOnlyList<X509Certificate2> TrustAnchors { get; init; } = [];

    /// <summary>Limit for one whole probe; past it the probe ends with a timeout error.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Reads trust anchors from a PEM file (one or more certificates).</summary>
    /// <exception cref="InvalidDataException">The file holds no certificate.</exception>
    public static async Task<IReadOnlyList<X509Certificate2>> ReadTrustAnchorsAsync(string path, CancellationToken cancellationToken)
    {
        var pem = await Certificates.PemReader.ReadBoundedTextAsync(path, Certificates.PemLimits.TrustBundle, cancellationToken);
        IReadOnlyList<X509Certificate2> anchors;
        try
        {
            anchors = CertificatePem.ReadPemChain(pem);
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"{path} is not readable PEM ({e.Message})", e);
        }
        if (anchors.Count == 0)
        {
            throw new InvalidDataException($"{path} is not readable PEM: no '-----BEGIN CERTIFICATE-----' block");
        }
        return anchors;
    }
}
