using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.Cmp;
using Rotor.Cmp.Messages;

namespace Rotor.Cmp;

public sealed partial class CmpClient
{
    /// <summary>
    /// A positive response: take the certificate, check it carries the requested key and let
    /// the caller veto it, then confirm (certConf/pkiConf) unless the server granted
    /// implicitConfirm. A rejected certificate is reported to the server in certConf before
    /// the enrolment fails.
    /// </summary>
    private async Task<CmpEnrollmentResult> CompleteAsync(CmpTransaction tx, Enrollment enrollment, PkiMessage response, CertRepMessage content,
        CertResponse certResponse, CmpStatusInfo status, int polls, Scope scope)
    {
        // CertifiedKeyPair ::= SEQUENCE { certOrEncCert CertOrEncCert, privateKey [0], publicationInfo [1] }
        var certOrEncCert = certResponse.CertifiedKeyPair?.CertOrEncCert
            ?? throw CmpException.Refused($"{CmpStatusText.Describe(status.Status)} response carries no certificate", CmpReasons.Malformed);
        if (certOrEncCert.HasEncryptedCertificate || certOrEncCert.Certificate is not { IsX509v3PKCert: true } issued)
        {
            throw CmpException.Refused("the certificate is encrypted or not X.509; only plain certificates are supported", CmpReasons.Unsupported);
        }
        var certificate = CmpMessageEncoder.ToCertificate(issued);

        string? rejection = null;
        var rejectionReason = CmpReasons.CertificateRejected;
        var failInfo = CmpFailInfo.None;
        if (!certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(enrollment.RequestedPublicKey))
        {
            rejection = "key mismatch: the certificate's public key is not the requested key";
            rejectionReason = CmpReasons.KeyMismatch;
            failInfo = CmpFailInfo.BadCertTemplate;
        }
        else if (enrollment.AcceptCertificate?.Invoke(certificate) is { } reason)
        {
            rejection = reason;
        }

        var implicitlyConfirmed = _options.RequestImplicitConfirm
            && (response.Header.GetGeneralInfo() ?? []).Any(i => i.InfoType.Equals(CmpObjectIdentifiers.it_implicitConfirm));
        if (implicitlyConfirmed)
        {
            LogImplicitConfirm(_logger, tx.TransactionIdHex);
        }
        else
        {
            var statusInfo = rejection is null
                ? CmpStatusInfo.Encode(CmpStatus.Accepted)
                : CmpStatusInfo.Encode(CmpStatus.Rejection, rejection, failInfo);
            enrollment.Report(CmpStage.Confirming, tx, polls, null);
            var certConf = CmpRequestBodies.CertConfirm(CertificateHash.Compute(certificate), certResponse.CertReqID, statusInfo);
            await ExchangeAsync(tx, certConf, false, [PkiBody.TYPE_CONFIRM], scope);
        }

        if (rejection is not null)
        {
            LogCertificateRejected(_logger, tx.Server, tx.TransactionIdHex, rejection);
            certificate.Dispose();
            var note = implicitlyConfirmed ? " (the server had granted implicitConfirm, so it considers the certificate issued)" : " (rejected in certConf)";
            throw new CmpException($"CMP certificate refused: {rejection}{note}", rejectionReason, isTransient: false);
        }

        // caPubs are trusted only from an ip, which has passed its protection check by now
        // (RFC 9483 section 4.1.1); anywhere else they are ignored.
        var caPubs = enrollment.ResponseType == PkiBody.TYPE_INIT_REP
            ? (content.GetCAPubs() ?? []).Where(c => c.IsX509v3PKCert).Select(CmpMessageEncoder.ToCertificate).ToList()
            : [];
        var extraCerts = (response.GetExtraCerts() ?? []).Where(c => c.IsX509v3PKCert).Select(CmpMessageEncoder.ToCertificate).ToList();
        LogEnrolled(_logger, tx.Server, tx.TransactionIdHex, CmpStatusText.Describe(status.Status), certificate.Thumbprint);
        return new CmpEnrollmentResult
        {
            Certificate = certificate,
            CaPubs = caPubs,
            ExtraCerts = extraCerts,
            Status = status.Status,
            Server = tx.Server,
            TransactionId = tx.TransactionIdHex,
            ImplicitlyConfirmed = implicitlyConfirmed,
            Polls = polls,
        };
    }
}
