using Org.BouncyCastle.Asn1;

namespace Rotor.Cmp.Messages;

/// <summary>
/// PKIFailureInfo (RFC 4210 section 5.2.3, RFC 9480 section 2.14), one flag per named bit:
/// flag value <c>1 &lt;&lt; n</c> is bit n of the BIT STRING.
/// </summary>
[Flags]
public enum CmpFailInfo
{
    None = 0,
    BadAlg = 1 << 0,
    BadMessageCheck = 1 << 1,
    BadRequest = 1 << 2,
    BadTime = 1 << 3,
    BadCertId = 1 << 4,
    BadDataFormat = 1 << 5,
    WrongAuthority = 1 << 6,
    IncorrectData = 1 << 7,
    MissingTimeStamp = 1 << 8,
    BadPop = 1 << 9,
    CertRevoked = 1 << 10,
    CertConfirmed = 1 << 11,
    WrongIntegrity = 1 << 12,
    BadRecipientNonce = 1 << 13,
    TimeNotAvailable = 1 << 14,
    UnacceptedPolicy = 1 << 15,
    UnacceptedExtension = 1 << 16,
    AddInfoNotAvailable = 1 << 17,
    BadSenderNonce = 1 << 18,
    BadCertTemplate = 1 << 19,
    SignerNotTrusted = 1 << 20,
    TransactionIdInUse = 1 << 21,
    UnsupportedVersion = 1 << 22,
    NotAuthorized = 1 << 23,
    SystemUnavail = 1 << 24,
    SystemFailure = 1 << 25,
    DuplicateCertReq = 1 << 26,
}

public static class CmpFailInfoText
{
    private const int LastBit = 26;

    // Index = bit number; the RFC's ASN.1 identifiers, so logs match the specification.
    private static readonly string[] Names =
    [
        "badAlg", "badMessageCheck", "badRequest", "badTime", "badCertId", "badDataFormat", "wrongAuthority",
        "incorrectData", "missingTimeStamp", "badPOP", "certRevoked", "certConfirmed", "wrongIntegrity",
        "badRecipientNonce", "timeNotAvailable", "unacceptedPolicy", "unacceptedExtension", "addInfoNotAvailable",
        "badSenderNonce", "badCertTemplate", "signerNotTrusted", "transactionIdInUse", "unsupportedVersion",
        "notAuthorized", "systemUnavail", "systemFailure", "duplicateCertReq",
    ];

    /// <summary>e.g. <c>badPOP, notAuthorized</c>; empty for <see cref="CmpFailInfo.None"/>.</summary>
    public static string Describe(CmpFailInfo failInfo) =>
        string.Join(", ", Enumerable.Range(0, LastBit + 1).Where(b => ((int)failInfo & (1 << b)) != 0).Select(b => Names[b]));

    /// <summary>
    /// Decodes the BIT STRING. BER numbers bits from the most significant bit of the first
    /// content octet, so bit n sits in octet n / 8 under mask 0x80 &gt;&gt; (n % 8); the
    /// trailing pad bits of the last octet are not bits at all. Bits beyond 26 are unknown
    /// to this version and ignored.
    /// </summary>
    internal static CmpFailInfo Decode(DerBitString? bits)
    {
        if (bits is null) return CmpFailInfo.None;
        var octets = bits.GetBytes();
        var count = octets.Length * 8 - bits.PadBits;
        var result = 0;
        for (var n = 0; n < count && n <= LastBit; n++)
        {
            if ((octets[n / 8] & (0x80 >> (n % 8))) != 0) result |= 1 << n;
        }
        return (CmpFailInfo)result;
    }

    /// <summary>
    /// Encodes as a DER named-bit list: only as many octets as the highest set bit needs, the
    /// unused low bits of the last octet counted as pad bits (X.690 11.2.2).
    /// </summary>
    internal static DerBitString Encode(CmpFailInfo failInfo)
    {
        var value = (int)failInfo;
        if (value == 0) return new DerBitString([], 0);
        var highest = 31 - int.LeadingZeroCount(value);
        var octets = new byte[highest / 8 + 1];
        for (var n = 0; n <= highest; n++)
        {
            if ((value & (1 << n)) != 0) octets[n / 8] |= (byte)(0x80 >> (n % 8));
        }
        return new DerBitString(octets, 7 - highest % 8);
    }
}
