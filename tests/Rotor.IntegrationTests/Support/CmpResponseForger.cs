using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;
using Rotor.Cmp.Protection;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// Rewrites a PBM-protected response's header and protects it again with the right shared
/// secret, so that the client's later checks (transactionID, recipNonce) are what refuses it,
/// not the MAC.
/// </summary>
public static class CmpResponseForger
{
    public static byte[] Rewrite(byte[] der, string secret, Func<PkiHeader, (byte[]? TransactionId, byte[]? RecipNonce)> change)
    {
        var message = PkiMessage.GetInstance(Asn1Object.FromByteArray(der));
        var h = message.Header;
        var (transactionId, recipNonce) = change(h);
        var b = new PkiHeaderBuilder(h.Pvno.IntValueExact, h.Sender, h.Recipient)
            .SetProtectionAlg(h.ProtectionAlg)
            .SetTransactionID(transactionId ?? h.TransactionID.GetOctets())
            .SetSenderNonce(h.SenderNonce)
            .SetRecipNonce(recipNonce ?? h.RecipNonce.GetOctets());
        if (h.MessageTime is not null) b.SetMessageTime(h.MessageTime);
        if (h.SenderKID is not null) b.SetSenderKID(h.SenderKID);
        if (h.GetGeneralInfo() is { } info) b.SetGeneralInfo(info);
        var header = b.Build();
        var mac = PasswordBasedMac.Compute(Encoding.UTF8.GetBytes(secret), header.ProtectionAlg, new ProtectedPart(header, message.Body).GetDerEncoded());
        var extra = message.GetExtraCerts();
        return (extra is null
            ? new PkiMessage(header, message.Body, new DerBitString(mac))
            : new PkiMessage(header, message.Body, new DerBitString(mac), extra)).GetDerEncoded();
    }

    /// <summary>Flips one bit inside the response's senderNonce: the DER stays valid, the protection does not.</summary>
    public static byte[] FlipSenderNonceBit(byte[] der)
    {
        var nonce = PkiMessage.GetInstance(Asn1Object.FromByteArray(der)).Header.SenderNonce.GetOctets();
        var at = der.AsSpan().IndexOf(nonce);
        if (at < 0) throw new InvalidOperationException("senderNonce not found in the response bytes");
        var copy = (byte[])der.Clone();
        copy[at + nonce.Length / 2] ^= 0x01;
        return copy;
    }
}
