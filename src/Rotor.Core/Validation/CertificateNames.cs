using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Rotor.Core.Validation;

/// <summary>Reads the subject alternative names of a certificate as <c>DNS:x</c>, <c>IP:x</c>, <c>URI:x</c>.</summary>
public static class CertificateNames
{
    private const string SubjectAltNameOid = "2.5.29.17";

    public static IReadOnlySet<string> Read(X509Certificate2 certificate)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var ext = certificate.Extensions[SubjectAltNameOid];
        if (ext is null) return names;

        // SubjectAltName ::= GeneralNames ::= SEQUENCE OF GeneralName (RFC 5280 4.2.1.6)
        var reader = new AsnReader(ext.RawData, AsnEncodingRules.DER);
        var seq = reader.ReadSequence();
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
                case 7: // iPAddress [7] OCTET STRING
                    names.Add("IP:" + new IPAddress(seq.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 7))));
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
