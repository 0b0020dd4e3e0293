using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;

namespace Rotor.Core.Validation;

/// <summary>
/// What the rules read from one certificate, decoded once and totally: a part that does not decode
/// is left null and named in <see cref="Problems"/>, so rules never touch raw content and a
/// malformed certificate fails rules instead of throwing.
/// </summary>
internal sealed class DecodedCertificate
{
    public const string SubjectAltNameOid = "2.5.29.17";
    public const string ExtendedKeyUsageOid = "2.5.29.37";
    public const string KeyUsageOid = "2.5.29.15";
    public const string BasicConstraintsOid = "2.5.29.19";
    public const string SubjectKeyIdOid = "2.5.29.14";
    public const string AuthorityKeyIdOid = "2.5.29.35";

    private readonly List<(string Part, string Detail)> _problems = [];

    private DecodedCertificate(X509Certificate2 certificate, string position)
    {
        Certificate = certificate;
        Position = position;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>Where the certificate is: "leaf" or "chain certificate N".</summary>
    public string Position { get; }

    public string? Subject { get; private set; }
    public string? Issuer { get; private set; }
    public DateTimeOffset? NotBefore { get; private set; }
    public DateTimeOffset? NotAfter { get; private set; }
    public Oid? SignatureAlgorithm { get; private set; }

    /// <summary>Subject alternative names as <c>DNS:x</c>, <c>IP:x</c>, <c>URI:x</c>; empty without the extension.</summary>
    public IReadOnlySet<string>? Names { get; private set; }

    /// <summary>EKU purposes; null without the extension (or when it is malformed).</summary>
    public IReadOnlySet<string>? Ekus { get; private set; }

    /// <summary>Key usage bits; null without the extension (or when it is malformed).</summary>
    public X509KeyUsageFlags? KeyUsage { get; private set; }

    /// <summary>basicConstraints cA; false without the extension.</summary>
    public bool? IsCa { get; private set; }

    /// <summary>ECDSA or RSA; null for any other algorithm, or when the key does not decode.</summary>
    public KeyAlgorithm? KeyAlgorithm { get; private set; }
    public int KeyBits { get; private set; }

    /// <summary>Why the key is neither ECDSA nor RSA in a form Rotor accepts (an unknown curve, another algorithm).</summary>
    public string? KeyNotAllowed { get; private set; }

    /// <summary>Each part that did not decode, with what was wrong.</summary>
    public IReadOnlyList<(string Part, string Detail)> Problems => _problems;

    public bool IsMalformed(string part) => _problems.Exists(p => p.Part == part);

    /// <summary>"leaf 'CN=x'" — how messages name the certificate.</summary>
    public string Describe() => Subject is null ? $"{Position} (subject unreadable)" : $"{Position} '{Subject}'";

    public bool SelfIssued => Subject is not null && Subject == Issuer;

    public static DecodedCertificate Decode(X509Certificate2 certificate, string position)
    {
        var d = new DecodedCertificate(certificate, position);
        d.Subject = d.Read("subject", () => certificate.Subject);
        d.Issuer = d.Read("issuer", () => certificate.Issuer);
        d.NotBefore = d.Read("validity", () => (DateTimeOffset?)new DateTimeOffset(certificate.NotBefore.ToUniversalTime()));
        d.NotAfter = d.Read("validity", () => (DateTimeOffset?)new DateTimeOffset(certificate.NotAfter.ToUniversalTime()));
        d.SignatureAlgorithm = d.Read("signature algorithm", () => certificate.SignatureAlgorithm);
        d.DecodeExtensions();
        d.DecodePublicKey();
        return d;
    }

    private void DecodeExtensions()
    {
        var extensions = Read("extensions", ReadExtensions);
        if (extensions is null) return;
        Names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        IsCa = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (oid, raw) in extensions)
        {
            if (!seen.Add(oid))
            {
                // RFC 5280 4.2: at most one instance of an extension; which one counts would be a guess.
                Problem(PartFor(oid), "appears more than once");
                if (oid == SubjectAltNameOid) Names = null;
                if (oid == BasicConstraintsOid) IsCa = null;
                continue;
            }
            switch (oid)
            {
                case SubjectAltNameOid:
                    Names = Read(PartFor(oid), () => CertificateNames.Decode(raw));
                    break;
                case ExtendedKeyUsageOid:
                    Ekus = Read(PartFor(oid), () => ExtensionDecoder.Ekus(raw));
                    break;
                case KeyUsageOid:
                    KeyUsage = Read(PartFor(oid), () => (X509KeyUsageFlags?)ExtensionDecoder.KeyUsage(raw));
                    break;
                case BasicConstraintsOid:
                    IsCa = Read(PartFor(oid), () => (bool?)ExtensionDecoder.BasicConstraintsCa(raw));
                    break;
                case SubjectKeyIdOid:
                    Read(PartFor(oid), () => ExtensionDecoder.SubjectKeyId(raw));
                    break;
                case AuthorityKeyIdOid:
                    Read(PartFor(oid), () => ExtensionDecoder.AuthorityKeyId(raw));
                    break;
            }
        }
    }

    private List<(string Oid, byte[] Raw)> ReadExtensions() =>
        [.. Certificate.Extensions.Select(e => (e.Oid?.Value ?? "", e.RawData))];

    private void DecodePublicKey()
    {
        var oid = Read("public key", () => Certificate.PublicKey.Oid.Value) ?? "";
        switch (oid)
        {
            case "1.2.840.10045.2.1": // id-ecPublicKey
                try
                {
                    using var ec = Certificate.PublicKey.GetECDsaPublicKey();
                    if (ec is null) Problem("public key", "the EC key does not decode");
                    else (KeyAlgorithm, KeyBits) = (Resources.KeyAlgorithm.Ecdsa, ec.KeySize);
                }
                catch (PlatformNotSupportedException)
                {
                    KeyNotAllowed = $"EC key on curve {CurveOf(Certificate.PublicKey)}, which is not supported (P-256, P-384, P-521)";
                }
                catch (Exception e) when (IsDecodeError(e))
                {
                    Problem("public key", $"the EC key does not decode ({e.GetType().Name})");
                }
                break;
            case "1.2.840.113549.1.1.1": // rsaEncryption
                try
                {
                    using var rsa = Certificate.PublicKey.GetRSAPublicKey();
                    if (rsa is null) Problem("public key", "the RSA key does not decode");
                    else (KeyAlgorithm, KeyBits) = (Resources.KeyAlgorithm.Rsa, rsa.KeySize);
                }
                catch (Exception e) when (IsDecodeError(e))
                {
                    Problem("public key", $"the RSA key does not decode ({e.GetType().Name})");
                }
                break;
            case "":
                break;
            default:
                KeyNotAllowed = $"key algorithm {Read("public key", () => Certificate.PublicKey.Oid.FriendlyName) ?? oid} is not allowed (ECDSA or RSA)";
                break;
        }
    }

    /// <summary>The named curve of an EC key, for messages; "unnamed" for explicit parameters.</summary>
    private static string CurveOf(PublicKey key)
    {
        try
        {
            return key.EncodedParameters?.RawData is { } raw ? new AsnReader(raw, AsnEncodingRules.DER).ReadObjectIdentifier() : "(no parameters)";
        }
        catch (Exception e) when (IsDecodeError(e))
        {
            return "(unnamed or malformed parameters)";
        }
    }

    /// <summary>How problems name an extension: "keyUsage (2.5.29.15)".</summary>
    public static string PartFor(string oid) => oid switch
    {
        SubjectAltNameOid => $"subjectAltName ({oid})",
        ExtendedKeyUsageOid => $"extendedKeyUsage ({oid})",
        KeyUsageOid => $"keyUsage ({oid})",
        BasicConstraintsOid => $"basicConstraints ({oid})",
        SubjectKeyIdOid => $"subjectKeyIdentifier ({oid})",
        AuthorityKeyIdOid => $"authorityKeyIdentifier ({oid})",
        _ => $"extension {oid}",
    };

    private T? Read<T>(string part, Func<T?> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (IsDecodeError(e))
        {
            Problem(part, Explain(e));
            return default;
        }
    }

    private void Problem(string part, string detail)
    {
        if (!IsMalformed(part)) _problems.Add((part, detail));
    }

    /// <summary>A message for a decode error: the rule broken, or the exception's kind and text (certificates hold no secrets).</summary>
    internal static string Explain(Exception e) =>
        e is MalformedContentException ? e.Message : $"does not decode ({e.GetType().Name}: {e.Message})";

    /// <summary>What .NET and its OpenSSL layer throw for content they cannot decode.</summary>
    internal static bool IsDecodeError(Exception e) =>
        e is MalformedContentException or CryptographicException or AsnContentException or ArgumentException or FormatException
            or PlatformNotSupportedException or NotSupportedException or OverflowException or InvalidOperationException;
}

/// <summary>Content that is well-formed DER but breaks the extension's own rules (an iPAddress of 5 bytes).</summary>
internal sealed class MalformedContentException(string message) : Exception(message);
