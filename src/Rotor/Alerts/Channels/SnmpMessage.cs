using Org.BouncyCastle.Asn1;

namespace Rotor.Alerts.Channels;

/// <summary>
/// SNMPv2c messages for notifications, encoded with BouncyCastle's ASN.1 classes (RFC 3416 PDUs
/// in the RFC 1901 community-based message). Only what a notification sender needs: a Trap or
/// InformRequest PDU out, and the Response to an inform back.
/// </summary>
internal static class SnmpMessage
{
    /// <summary>RFC 1901: <c>version INTEGER { version-2c(1) }</c>.</summary>
    public const int Version2c = 1;

    /// <summary>RFC 3416 PDUs CHOICE tags (context-specific, constructed, IMPLICIT over PDU).</summary>
    public const int ResponseTag = 2;
    public const int InformRequestTag = 6;
    public const int TrapTag = 7;

    /// <summary>Datagrams larger than this are not SNMP answers Rotor waits for; they are dropped unread.</summary>
    public const int MaxResponseBytes = 8 * 1024;

    /// <summary>A varbind value: an OCTET STRING, an OBJECT IDENTIFIER, an INTEGER, or TimeTicks.</summary>
    public abstract record Value
    {
        public abstract Asn1Encodable Encode();
    }

    public sealed record Text(byte[] Octets) : Value
    {
        public override Asn1Encodable Encode() => new DerOctetString(Octets);
    }

    public sealed record Oid(string Dotted) : Value
    {
        public override Asn1Encodable Encode() => new DerObjectIdentifier(Dotted);
    }

    public sealed record Integer(int Number) : Value
    {
        public override Asn1Encodable Encode() => DerInteger.ValueOf(Number);
    }

    /// <summary>RFC 2578: <c>TimeTicks ::= [APPLICATION 3] IMPLICIT INTEGER (0..4294967295)</c>, hundredths of a second.</summary>
    public sealed record TimeTicks(uint Hundredths) : Value
    {
        public override Asn1Encodable Encode() => new DerTaggedObject(false, Asn1Tags.Application, 3, DerInteger.ValueOf((long)Hundredths));
    }

    /// <summary>
    /// <c>Message ::= SEQUENCE { version INTEGER, community OCTET STRING, data PDUs }</c> with
    /// <c>PDU ::= SEQUENCE { request-id INTEGER, error-status INTEGER, error-index INTEGER,
    /// variable-bindings SEQUENCE OF VarBind }</c> and <c>VarBind ::= SEQUENCE { name ObjectName, value }</c>.
    /// </summary>
    public static byte[] Encode(byte[] community, int pduTag, int requestId, IReadOnlyList<(string Oid, Value Value)> varbinds)
    {
        var bindings = new Asn1EncodableVector(varbinds.Count);
        foreach (var (oid, value) in varbinds) bindings.Add(new DerSequence(new DerObjectIdentifier(oid), value.Encode()));
        var pdu = new DerSequence(
            DerInteger.ValueOf(requestId),
            DerInteger.ValueOf(0), // error-status: noError
            DerInteger.ValueOf(0), // error-index
            new DerSequence(bindings));
        var message = new DerSequence(
            DerInteger.ValueOf(Version2c),
            new DerOctetString(community),
            new DerTaggedObject(false, pduTag, pdu));
        return message.GetEncoded(Asn1Encodable.Der);
    }

    /// <summary>
    /// Reads a Response PDU's request-id and error-status. Total: anything that is not an SNMPv2c
    /// Response (another version, another PDU, garbage, too long) gives false, never an exception.
    /// </summary>
    public static bool TryReadResponse(ReadOnlySpan<byte> datagram, out int requestId, out int errorStatus)
    {
        requestId = 0;
        errorStatus = 0;
        if (datagram.Length is 0 or > MaxResponseBytes) return false;
        try
        {
            if (Asn1Object.FromByteArray(datagram.ToArray()) is not Asn1Sequence { Count: 3 } message) return false;
            if (message[0] is not DerInteger version || version.IntValueExact != Version2c) return false;
            if (message[2] is not Asn1TaggedObject { TagClass: Asn1Tags.ContextSpecific, TagNo: ResponseTag } tagged) return false;
            var pdu = Asn1Sequence.GetInstance(tagged, false);
            if (pdu.Count != 4 || pdu[0] is not DerInteger id || pdu[1] is not DerInteger status) return false;
            requestId = id.IntValueExact;
            errorStatus = status.IntValueExact;
            return true;
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or ArithmeticException or Asn1Exception)
        {
            return false;
        }
    }
}
