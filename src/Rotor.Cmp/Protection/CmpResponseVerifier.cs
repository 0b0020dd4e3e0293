using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;
using Org.BouncyCastle.Asn1.X509;
using Rotor.Cmp.Messages;

namespace Rotor.Cmp.Protection;

/// <summary>
/// Checks every response before anything in it is believed: protection first (MAC with the
/// shared secret, or a signature by a certificate that chains to the configured CMP server
/// trust), then pvno, transactionID and recipNonce against what was sent. Each refusal names
/// the check that failed.
/// </summary>
internal sealed class CmpResponseVerifier(IReadOnlyList<X509Certificate2> serverTrust, TimeProvider time)
{
    private const int MaxNonceBytes = 128;

    public PkiMessage Verify(byte[] der, CmpTransaction tx)
    {
        var message = Parse(der);
        var header = message.Header;
        if (message.Protection is null || header.ProtectionAlg is null)
        {
            throw CmpException.Refused("the response is not protected" + UnauthenticatedDiagnostics(message), CmpReasons.Unprotected);
        }
        VerifyProtection(message, tx);

        if (!header.Pvno.HasValue(2) && !header.Pvno.HasValue(3))
        {
            throw CmpException.Refused($"pvno {CmpDecode.Describe(header.Pvno)} is not supported", CmpReasons.Malformed);
        }
        if (header.TransactionID is null || !CryptographicOperations.FixedTimeEquals(header.TransactionID.GetOctets(), tx.TransactionId))
        {
            throw CmpException.Refused("transactionID does not match the transactionID sent", CmpReasons.TransactionId);
        }
        if (header.RecipNonce is null || tx.LastSenderNonce is null
            || !CryptographicOperations.FixedTimeEquals(header.RecipNonce.GetOctets(), tx.LastSenderNonce))
        {
            throw CmpException.Refused("recipNonce does not match the senderNonce sent", CmpReasons.RecipNonce);
        }
        // Echoed as the next request's recipNonce, so bounded above too (RFC 9483 asks for 128 bits).
        if (header.SenderNonce is null || header.SenderNonce.GetOctetsLength() is < 16 or > MaxNonceBytes)
        {
            throw CmpException.Refused("senderNonce is missing, shorter than 128 bits or longer than 1024 bits", CmpReasons.SenderNonce);
        }
        tx.ServerNonce = header.SenderNonce.GetOctets();
        return message;
    }

    /// <summary>
    /// Decodes the PKIMessage. Asn1Object.FromByteArray reads with the input's length as its
    /// limit (a length field larger than the data is refused, not allocated) and BouncyCastle
    /// bounds nesting depth. GetInstance decodes header and body at once, but extraCerts only
    /// when asked: they are counted first (each costs a certificate load and a chain entry),
    /// then decoded here, so that their errors are caught here too.
    /// </summary>
    private static PkiMessage Parse(byte[] der)
    {
        try
        {
            var message = PkiMessage.GetInstance(Asn1Object.FromByteArray(der)) ?? throw new ArgumentException("no PKIMessage");
            _ = message.Body.Type;
            if (CmpDecode.CountOf(message, 1) is var count and > CmpDecode.MaxExtraCerts)
            {
                throw CmpException.Refused($"the response carries {count} extraCerts (at most {CmpDecode.MaxExtraCerts} are accepted)", CmpReasons.Malformed);
            }
            _ = message.GetExtraCerts();
            return message;
        }
        catch (Exception e) when (CmpDecode.IsMalformedContent(e))
        {
            throw CmpException.Malformed("the response is not a DER PKIMessage", e);
        }
    }

    private void VerifyProtection(PkiMessage message, CmpTransaction tx)
    {
        var algorithm = message.Header.ProtectionAlg;
        var protectedPart = CmpDecode.Run("the protected part", () => new ProtectedPart(message.Header, message.Body).GetEncoded(Asn1Encodable.Der));
        if (message.Protection.PadBits != 0)
        {
            throw CmpException.Refused("the protection BIT STRING has unused bits", CmpReasons.Malformed);
        }
        var protection = message.Protection.GetOctets();
        if (algorithm.Algorithm.Id == PasswordBasedMac.Oid)
        {
            if (tx.Protection is not CmpSharedSecretProtection secret)
            {
                throw CmpException.Refused("MAC protection, but this transaction has no shared secret to check it with", CmpReasons.Protection);
            }
            if (!secret.Verify(algorithm, protectedPart, protection))
            {
                throw CmpException.Refused("MAC protection does not verify with the shared secret (wrong secret, or the response was altered)", CmpReasons.Protection);
            }
            return;
        }
        VerifySignature(message, algorithm, protectedPart, protection);
    }

    private void VerifySignature(PkiMessage message, AlgorithmIdentifier algorithm, byte[] protectedPart, byte[] signature)
    {
        if (serverTrust.Count == 0)
        {
            throw CmpException.Refused("signature protection, but no CMP server trust is configured", CmpReasons.UntrustedSigner);
        }
        var extra = CmpDecode.Run("extraCerts", () => (message.GetExtraCerts() ?? []).Where(c => c.IsX509v3PKCert).Select(c => c.X509v3PKCert).ToList());
        var signer = CmpDecode.Run("the signer's certificate", () => FindSigner(message.Header, extra))
            ?? throw CmpException.Refused("the signer's certificate is not in extraCerts", CmpReasons.UntrustedSigner);
        if (!CmpSignatures.Verify(algorithm, signer, protectedPart, signature))
        {
            throw CmpException.Refused("signature protection does not verify", CmpReasons.Protection);
        }

        using var leaf = CmpDecode.Run("the signer's certificate", () => X509CertificateLoader.LoadCertificate(signer.GetEncoded(Asn1Encodable.Der)));
        var others = new List<X509Certificate2>();
        try
        {
            foreach (var c in extra.Where(c => c != signer))
            {
                others.Add(CmpDecode.Run("a certificate in extraCerts", () => X509CertificateLoader.LoadCertificate(c.GetEncoded(Asn1Encodable.Der))));
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(serverTrust.ToArray());
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
            chain.ChainPolicy.ExtraStore.AddRange(others.ToArray());
            if (!CmpDecode.Run("the signer's chain", () => chain.Build(leaf)))
            {
                var why = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()));
                throw CmpException.Refused($"the signer '{CmpText.Quote(leaf.Subject, 200)}' does not chain to the configured CMP server trust ({why})", CmpReasons.UntrustedSigner);
            }
        }
        finally
        {
            foreach (var c in others) c.Dispose();
        }
    }

    /// <summary>The extraCerts entry whose subjectKeyIdentifier is the senderKID, else whose subject is the sender.</summary>
    private static X509CertificateStructure? FindSigner(PkiHeader header, List<X509CertificateStructure> extra)
    {
        if (header.SenderKID is { } kid)
        {
            var octets = kid.GetOctets();
            var byKid = extra.FirstOrDefault(c =>
                c.TbsCertificate.Extensions?.GetExtension(X509Extensions.SubjectKeyIdentifier) is { } ext
                && SubjectKeyIdentifier.GetInstance(ext.GetParsedValue()).GetKeyIdentifier().AsSpan().SequenceEqual(octets));
            if (byKid is not null) return byKid;
        }
        return header.Sender.TagNo == GeneralName.DirectoryName
            ? extra.FirstOrDefault(c => c.Subject.Equivalent(X509Name.GetInstance(header.Sender.Name)))
            : null;
    }

    /// <summary>
    /// What an unprotected error or rejection says, marked as unauthenticated: useful to an
    /// operator, never acted on.
    /// </summary>
    private static string UnauthenticatedDiagnostics(PkiMessage message)
    {
        try
        {
            PkiStatusInfo? info = message.Body.Type switch
            {
                PkiBody.TYPE_ERROR => ErrorMsgContent.GetInstance(message.Body.Content).PkiStatusInfo,
                PkiBody.TYPE_INIT_REP or PkiBody.TYPE_CERT_REP or PkiBody.TYPE_KEY_UPDATE_REP =>
                    CertRepMessage.GetInstance(message.Body.Content).GetResponse().FirstOrDefault()?.Status,
                _ => null,
            };
            return info is null
                ? $" (unauthenticated {CmpRequestBodies.Name(message.Body.Type)})"
                : $" (unauthenticated {CmpRequestBodies.Name(message.Body.Type)}, not trusted: {CmpStatusInfo.Decode(info).Describe()})";
        }
        catch (Exception e) when (e is CmpException || CmpDecode.IsMalformedContent(e))
        {
            return "";
        }
    }
}
