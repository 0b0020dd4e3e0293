using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.X509;
using Rotor.Cmp.Protection;

namespace Rotor.Cmp.Messages;

/// <summary>
/// The state of one CMP transaction: its server (fixed for its whole life), its
/// transactionID, and the nonces that chain each message to the previous one. Not
/// thread-safe; a transaction's messages go strictly one after the other.
/// </summary>
internal sealed class CmpTransaction(Uri server, CmpProtection protection, X509Name sender, GeneralName recipient)
{
    public Uri Server { get; } = server;

    public CmpProtection Protection { get; } = protection;

    public X509Name Sender { get; } = sender;

    public GeneralName Recipient { get; } = recipient;

    /// <summary>128 random bits (RFC 9483 section 3.1).</summary>
    public byte[] TransactionId { get; } = RandomNumberGenerator.GetBytes(16);

    public string TransactionIdHex => Convert.ToHexStringLower(TransactionId);

    /// <summary>The senderNonce of the last request; the response's recipNonce must equal it.</summary>
    public byte[]? LastSenderNonce { get; set; }

    /// <summary>The senderNonce of the last response; the next request's recipNonce.</summary>
    public byte[]? ServerNonce { get; set; }

    /// <summary>Requests handed to the transport so far.</summary>
    public int Sent { get; set; }
}
