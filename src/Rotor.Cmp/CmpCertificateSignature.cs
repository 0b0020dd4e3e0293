using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Security;
using Rotor.Cmp.Messages;
using Rotor.Cmp.Protection;

namespace Rotor.Cmp;

/// <summary>
/// Whether one certificate was signed by another's key: the check that tells the real issuer
/// among certificates of the same subject name (a copy in extraCerts may have been changed on
/// the way). Total: anything it cannot check is "no".
/// </summary>
public static class CmpCertificateSignature
{
    public static bool IsSignedBy(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        try
        {
            var signed = new Org.BouncyCastle.X509.X509Certificate(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(certificate.RawData)));
            var signer = X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(issuer.RawData));
            // The key is checked first: a signature check costs CPU in proportion to the key a server chose.
            CmpSignatures.CheckKey(signer.SubjectPublicKeyInfo);
            // BouncyCastle reads the algorithm with its parameters (RSASSA-PSS too) and requires
            // the outer algorithm to equal the one inside tbsCertificate.
            return signed.IsSignatureValid(PublicKeyFactory.CreateKey(signer.SubjectPublicKeyInfo));
        }
        catch (CmpException)
        {
            return false;
        }
        catch (Exception e) when (CmpDecode.IsMalformedContent(e))
        {
            return false;
        }
    }
}
