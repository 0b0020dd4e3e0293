using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;
using Org.BouncyCastle.Asn1.X509;

namespace Rotor.Cmp.Messages;

/// <summary>Builds the header of a request, protects it and encodes the PKIMessage.</summary>
internal static class CmpMessageEncoder
{
    /// <summary>
    /// PKIMessage ::= SEQUENCE { header PKIHeader, body PKIBody, protection [0] PKIProtection,
    /// extraCerts [1] SEQUENCE OF CMPCertificate }. Every request gets a fresh 128-bit
    /// senderNonce and echoes the server's last senderNonce as recipNonce.
    /// </summary>
    public static byte[] Encode(CmpTransaction tx, PkiBody body, DateTimeOffset now, bool requestImplicitConfirm)
    {
        var senderNonce = RandomNumberGenerator.GetBytes(16);
        var algorithm = tx.Protection.NewAlgorithm();

        // PKIHeader ::= SEQUENCE { pvno, sender, recipient, messageTime [0], protectionAlg [1],
        //   senderKID [2], recipKID [3], transactionID [4], senderNonce [5], recipNonce [6],
        //   freeText [7], generalInfo [8] }
        var header = new PkiHeaderBuilder(PkiHeader.CMP_2000, new GeneralName(tx.Sender), tx.Recipient)
            .SetMessageTime(new Asn1GeneralizedTime(WholeSecondsUtc(now)))
            .SetProtectionAlg(algorithm)
            .SetTransactionID(tx.TransactionId)
            .SetSenderNonce(senderNonce);
        var kid = tx.Protection.SenderKid;
        if (kid.Length > 0) header.SetSenderKID(kid);
        if (tx.ServerNonce is { } recipNonce) header.SetRecipNonce(recipNonce);
        if (requestImplicitConfirm)
        {
            // id-it-implicitConfirm with infoValue NULL (RFC 4210 section 5.1.1.1).
            header.SetGeneralInfo(new InfoTypeAndValue(CmpObjectIdentifiers.it_implicitConfirm, DerNull.Instance));
        }
        var built = header.Build();

        // The protection covers ProtectedPart ::= SEQUENCE { header, body }.
        var protectedPart = new ProtectedPart(built, body).GetDerEncoded();
        var protection = new DerBitString(tx.Protection.Protect(algorithm, protectedPart));
        var extraCerts = tx.Protection.ExtraCerts.Select(ToCmpCertificate).ToArray();
        var message = extraCerts.Length == 0
            ? new PkiMessage(built, body, protection)
            : new PkiMessage(built, body, protection, extraCerts);
        tx.LastSenderNonce = senderNonce;
        return message.GetDerEncoded();
    }

    public static X509Name ToX509Name(X500DistinguishedName name) => X509Name.GetInstance(Asn1Object.FromByteArray(name.RawData));

    public static CmpCertificate ToCmpCertificate(X509Certificate2 certificate) =>
        new(X509CertificateStructure.GetInstance(certificate.RawData));

    public static X509Certificate2 ToCertificate(CmpCertificate certificate) =>
        X509CertificateLoader.LoadCertificate(certificate.GetEncoded(Asn1Encodable.Der));

    // GeneralizedTime in DER has no fractional seconds worth sending.
    private static DateTime WholeSecondsUtc(DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        return new DateTime(ticks - ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }
}
