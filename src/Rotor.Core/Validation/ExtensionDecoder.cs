using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Rotor.Core.Validation;

/// <summary>
/// Strict DER decoders for the extensions the rules read (RFC 5280 4.2.1). Each throws
/// <see cref="AsnContentException"/> or <see cref="MalformedContentException"/> on anything
/// but a well-formed value, trailing bytes included, so a malformed extension is never half-read.
/// </summary>
internal static class ExtensionDecoder
{
    /// <summary>ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (OBJECT IDENTIFIER).</summary>
    public static IReadOnlySet<string> Ekus(byte[] raw)
    {
        var reader = new AsnReader(raw, AsnEncodingRules.DER);
        var seq = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var oids = new HashSet<string>(StringComparer.Ordinal);
        while (seq.HasData)
        {
            oids.Add(seq.ReadObjectIdentifier());
        }
        return oids;
    }

    /// <summary>KeyUsage ::= BIT STRING, as .NET's flags (first octet in the low byte, decipherOnly at 0x8000).</summary>
    public static X509KeyUsageFlags KeyUsage(byte[] raw)
    {
        var reader = new AsnReader(raw, AsnEncodingRules.DER);
        var bits = reader.ReadBitString(out _);
        reader.ThrowIfNotEmpty();
        var value = (bits.Length > 0 ? bits[0] : 0) | (bits.Length > 1 ? bits[1] << 8 : 0);
        return (X509KeyUsageFlags)value;
    }

    /// <summary>BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }; returns cA.</summary>
    public static bool BasicConstraintsCa(byte[] raw)
    {
        var reader = new AsnReader(raw, AsnEncodingRules.DER);
        var seq = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var ca = false;
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
        {
            ca = seq.ReadBoolean();
        }
        if (seq.HasData)
        {
            if (!seq.TryReadInt32(out var pathLength) || pathLength < 0)
            {
                throw new MalformedContentException("pathLenConstraint is not a small non-negative integer");
            }
        }
        seq.ThrowIfNotEmpty();
        return ca;
    }

    /// <summary>SubjectKeyIdentifier ::= OCTET STRING.</summary>
    public static byte[] SubjectKeyId(byte[] raw)
    {
        var reader = new AsnReader(raw, AsnEncodingRules.DER);
        var id = reader.ReadOctetString();
        reader.ThrowIfNotEmpty();
        return id;
    }

    /// <summary>AuthorityKeyIdentifier ::= SEQUENCE { [0] keyIdentifier OPTIONAL, [1] authorityCertIssuer OPTIONAL, [2] serial OPTIONAL }.</summary>
    public static bool AuthorityKeyId(byte[] raw)
    {
        var reader = new AsnReader(raw, AsnEncodingRules.DER);
        var seq = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var context0 = new Asn1Tag(TagClass.ContextSpecific, 0);
        var context1 = new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true);
        var context2 = new Asn1Tag(TagClass.ContextSpecific, 2);
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(context0)) seq.ReadOctetString(context0);
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(context1)) seq.ReadSequence(context1);
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(context2)) seq.ReadIntegerBytes(context2);
        seq.ThrowIfNotEmpty();
        return true;
    }
}
