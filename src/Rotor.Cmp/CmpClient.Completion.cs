using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.Cmp;
using Rotor.Cmp.Messages;

namespace Rotor.Cmp;

public sealed partial class CmpClient
{
    /// <summary>
    /// A positive response: take the certificate, check it carries the requested key and let
    /// the caller veto it (the certificate alone, then with the response's CA certificates),
    /// then confirm (certConf/pkiConf) unless the server granted implicitConfirm. A rejected
    /// certificate is reported to the server in certConf before the enrolment fails.
    /// </summary>
    private async Task<CmpEnrollmentResult> CompleteAsync(CmpTransaction tx, Enrollment enrollment, PkiMessage response, CertRepMessage content,
        CertResponse certResponse, CmpStatusInfo status, int polls, Scope scope)
    {
        // CertifiedKeyPair ::= SEQUENCE { certOrEncCert CertOrEncCert, privateKey [0], publicationInfo [1] }
        var certOrEncCert = CmpDecode.Run("the CertResponse", () => certResponse.CertifiedKeyPair?.CertOrEncCert)
            ?? throw CmpException.Refused($"{CmpStatusText.Describe(status.Status)} response carries no certificate", CmpReasons.Malformed);
        if (certOrEncCert.HasEncryptedCertificate || certOrEncCert.Certificate is not { IsX509v3PKCert: true } issued)
        {
            throw CmpException.Refused("the certificate is encrypted or not X.509; only plain certificates are supported", CmpReasons.Unsupported);
        }
        // Everything the result needs is decoded before certConf: a response that cannot be used
        // whole is never confirmed (without certConf the CA does not count the certificate issued).
        var certificate = CmpDecode.Run("the issued certificate", () => CmpMessageEncoder.ToCertificate(issued));
        var decoded = DecodeRest(certificate, enrollment, response, content);
        var caPubs = decoded.CaPubs;
        var extraCerts = decoded.ExtraCerts;

        string? rejection = null;
        var rejectionReason = CmpReasons.CertificateRejected;
        var failInfo = CmpFailInfo.None;
        if (!decoded.PublicKey.AsSpan().SequenceEqual(enrollment.RequestedPublicKey))
        {
            rejection = "key mismatch: the certificate's public key is not the requested key";
            rejectionReason = CmpReasons.KeyMismatch;
            failInfo = CmpFailInfo.BadCertTemplate;
        }
        else if (enrollment.AcceptCertificate?.Invoke(certificate) is { } reason)
        {
            rejection = reason;
        }
        else if (enrollment.AcceptIssued?.Invoke(new CmpIssuedCertificate(certificate, caPubs, extraCerts)) is { } chainReason)
        {
            rejection = chainReason;
        }

        var implicitlyConfirmed = _options.RequestImplicitConfirm && decoded.ImplicitConfirmGranted;
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
            var certConf = CmpRequestBodies.CertConfirm(decoded.CertHash, certResponse.CertReqID, statusInfo);
            await ExchangeAsync(tx, certConf, false, [PkiBody.TYPE_CONFIRM], scope);
        }

        if (rejection is not null)
        {
            LogCertificateRejected(_logger, tx.Server, tx.TransactionIdHex, rejection);
            certificate.Dispose();
            foreach (var c in caPubs.Concat(extraCerts)) c.Dispose();
            var note = implicitlyConfirmed ? " (the server had granted implicitConfirm, so it considers the certificate issued)" : " (rejected in certConf)";
            throw new CmpException($"CMP certificate refused: {rejection}{note}", rejectionReason, isTransient: false);
        }

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

    private sealed record Decoded(byte[] PublicKey, byte[] CertHash, bool ImplicitConfirmGranted, List<X509Certificate2> CaPubs, List<X509Certificate2> ExtraCerts);

    /// <summary>The rest of a positive response, each part decoded or the whole refused as malformed.</summary>
    private static Decoded DecodeRest(X509Certificate2 certificate, Enrollment enrollment, PkiMessage response, CertRepMessage content)
    {
        var loaded = new List<X509Certificate2>();
        try
        {
            var publicKey = CmpDecode.Run("the issued certificate's public key", () => certificate.PublicKey.ExportSubjectPublicKeyInfo());
            var certHash = CmpDecode.Run("the issued certificate", () => CertificateHash.Compute(certificate));
            var implicitConfirm = CmpDecode.Run("generalInfo",
                () => (response.Header.GetGeneralInfo() ?? []).Any(i => i.InfoType.Equals(CmpObjectIdentifiers.it_implicitConfirm)));
            // caPubs are trusted only from an ip, which has passed its protection check by now
            // (RFC 9483 section 4.1.1); anywhere else they are ignored.
            List<X509Certificate2> caPubs = [];
            if (enrollment.ResponseType == PkiBody.TYPE_INIT_REP)
            {
                if (CmpDecode.Run("caPubs", () => CmpDecode.CountOf(content, 1)) is var count and > CmpDecode.MaxCaPubs)
                {
                    throw CmpException.Refused($"the response carries {count} caPubs (at most {CmpDecode.MaxCaPubs} are accepted)", CmpReasons.Malformed);
                }
                caPubs = Load(CmpDecode.Run("caPubs", () => content.GetCAPubs() ?? []), "caPubs", loaded);
            }
            // Counted (at most MaxExtraCerts) and decoded once already by the verifier.
            var extraCerts = Load(CmpDecode.Run("extraCerts", () => response.GetExtraCerts() ?? []), "extraCerts", loaded);
            return new Decoded(publicKey, certHash, implicitConfirm, caPubs, extraCerts);
        }
        catch
        {
            certificate.Dispose();
            foreach (var c in loaded) c.Dispose();
            throw;
        }
    }

    private static List<X509Certificate2> Load(CmpCertificate[] certificates, string what, List<X509Certificate2> loaded)
    {
        var result = new List<X509Certificate2>();
        foreach (var c in certificates.Where(c => c.IsX509v3PKCert))
        {
            var certificate = CmpDecode.Run($"a certificate in {what}", () => CmpMessageEncoder.ToCertificate(c));
            loaded.Add(certificate);
            result.Add(certificate);
        }
        return result;
    }
}
