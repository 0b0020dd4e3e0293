using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rotor.Core.Validation;

/// <summary>Reads the subject alternative names of a certificate as <c>DNS:x</c>, <c>IP:x</c>, <c>URI:x</c>.</summary>
public static class CertificateNames
{
    private const string SubjectAltNameOid = DecodedCertificate.SubjectAltNameOid;

    /// <summary>The names of <paramref name="certificate"/>; empty without the extension.</summary>
    /// <exception cref="CryptographicException">The subjectAltName extension is malformed (the message says how).</exception>
    public static IReadOnlySet<string> Read(X509Certificate2 certificate) =>
        TryRead(certificate, out var names, out var problem) ? names : throw new CryptographicException($"subjectAltName ({SubjectAltNameOid}): {problem}");

    /// <summary>The names of <paramref name="certificate"/>, or false and what is malformed; never throws for content.</summary>
    public static bool TryRead(X509Certificate2 certificate, out IReadOnlySet<string> names, out string problem)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        names = new HashSet<string>();
        problem = "";
        try
        {
            byte[]? raw = null;
            foreach (var extension in certificate.Extensions)
            {
                if (extension.Oid?.Value != SubjectAltNameOid) continue;
                if (raw is not null)
                {
                    problem = "appears more than once";
                    return false;
                }
                raw = extension.RawData;
            }
            if (raw is not null) names = Decode(raw);
            return true;
        }
        catch (Exception e) when (DecodedCertificate.IsDecodeError(e))
        {
            problem = DecodedCertificate.Explain(e);
            return false;
        }
    }

    /// <summary>Decodes a subjectAltName value strictly (DER, IA5 names, 4- or 16-byte addresses).</summary>
    internal static IReadOnlySet<string> Decode(byte[] raw)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        // SubjectAltName ::= GeneralNames ::= SEQUENCE OF GeneralName (RFC 5280 4.2.1.6)
        var reader = new AsnReader(raw, AsnEncodingRules.DER);
        var seq = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        while (seq.HasData)
        {
            var tag = seq.PeekTag();
            if (tag.TagClass != TagClass.ContextSpecific)
            {
                seq.ReadEncodedValue();
                continue;
            }
            switch (tag.TagValue)
            {
                case 2: // dNSName [2] IA5String
                    names.Add("DNS:" + seq.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 2)));
                    break;
                case 6: // uniformResourceIdentifier [6] IA5String
                    names.Add("URI:" + seq.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 6)));
                    break;
                case 7: // iPAddress [7] OCTET STRING: 4 octets (IPv4) or 16 (IPv6); name constraints' 8/32 never appear in a SAN
                    var address = seq.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 7));
                    if (address.Length is not (4 or 16))
                    {
                        throw new MalformedContentException($"an iPAddress of {address.Length} bytes (must be 4 or 16)");
                    }
                    names.Add("IP:" + new IPAddress(address));
                    break;
                default:
                    seq.ReadEncodedValue();
                    break;
            }
        }
        return names;
    }

    /// <summary>Names from the spec's lists, in the same form as <see cref="Read"/>.</summary>
    public static IReadOnlySet<string> FromLists(IEnumerable<string> dnsNames, IEnumerable<string> ipAddresses, IEnumerable<string> uris)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var n in dnsNames) names.Add("DNS:" + n);
        foreach (var ip in ipAddresses) names.Add("IP:" + IPAddress.Parse(ip));
        foreach (var u in uris) names.Add("URI:" + u);
        return names;
    }

    /// <summary>True when a certificate name covers a wanted name (a wildcard covers one label).</summary>
    public static bool Covers(IReadOnlySet<string> have, string wanted)
    {
        if (have.Contains(wanted)) return true;
        if (!wanted.StartsWith("DNS:", StringComparison.OrdinalIgnoreCase)) return false;
        var host = wanted[4..];
        var dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && have.Contains("DNS:*" + host[dot..]);
    }
}
