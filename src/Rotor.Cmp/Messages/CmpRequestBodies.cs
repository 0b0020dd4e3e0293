using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;
using Org.BouncyCastle.Asn1.Crmf;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Rotor.Cmp.Protection;

namespace Rotor.Cmp.Messages;

/// <summary>The PKIBody of each request Rotor sends.</summary>
internal static class CmpRequestBodies
{
    /// <summary>ir [0], cr [2] or kur [7]: CertReqMessages with one CertReqMsg, certReqId 0.</summary>
    public static PkiBody CertificateRequest(int bodyType, CmpCertificateRequest request, X509Certificate2? oldCertificate)
    {
        // CertTemplate ::= SEQUENCE { version [0], serialNumber [1], signingAlg [2], issuer [3],
        //   validity [4], subject [5], publicKey [6], issuerUID [7], subjectUID [8], extensions [9] }
        var template = new CertTemplateBuilder()
            .SetSubject(CmpMessageEncoder.ToX509Name(request.Subject))
            .SetSubjectPublicKeyInfo(SubjectPublicKeyInfo.GetInstance(request.Key.ExportSubjectPublicKeyInfo()));
        if (request.NotBefore is not null || request.NotAfter is not null)
        {
            template.SetValidity(request.NotBefore?.UtcDateTime, request.NotAfter?.UtcDateTime);
        }
        if (request.Extensions.Count > 0)
        {
            var extensions = new X509ExtensionsGenerator();
            foreach (var e in request.Extensions)
            {
                extensions.AddExtension(new DerObjectIdentifier(e.Oid!.Value!), e.Critical, e.RawData);
            }
            template.SetExtensions(extensions.Generate());
        }

        Controls? controls = null;
        if (oldCertificate is not null)
        {
            // id-regCtrl-oldCertID: CertId ::= SEQUENCE { issuer GeneralName, serialNumber INTEGER }
            // naming the certificate this kur replaces (RFC 4211 section 6.5), taken from its
            // own encoding so issuer and serial match byte for byte.
            var old = X509CertificateStructure.GetInstance(oldCertificate.RawData);
            template.SetIssuer(old.Issuer);
            controls = new Controls([
                new AttributeTypeAndValue(CrmfObjectIdentifiers.id_regCtrl_oldCertID, new CertId(new GeneralName(old.Issuer), old.SerialNumber)),
            ]);
        }

        // CertRequest ::= SEQUENCE { certReqId INTEGER, certTemplate CertTemplate, controls Controls OPTIONAL }
        var certRequest = new CertRequest(0, template.Build(), controls);

        // POPOSigningKey ::= SEQUENCE { poposkInput [0] OPTIONAL, algorithmIdentifier, signature }.
        // poposkInput is omitted because subject and publicKey are in the template; the
        // signature is then over the DER of certReq, made with the NEW key (RFC 4211 section 4.1).
        var (algorithm, signature) = CmpSignatures.Sign(request.Key, certRequest.GetDerEncoded());
        var pop = new ProofOfPossession(new PopoSigningKey(null, algorithm, new DerBitString(signature)));
        return new PkiBody(bodyType, new CertReqMessages(new CertReqMsg(certRequest, pop, null)));
    }

    /// <summary>p10cr [4]: a PKCS#10 CertificationRequest as it is.</summary>
    public static PkiBody Pkcs10(byte[] certificationRequest) =>
        new(PkiBody.TYPE_P10_CERT_REQ, CertificationRequest.GetInstance(Asn1Object.FromByteArray(certificationRequest)));

    /// <summary>
    /// certConf [24]: CertConfirmContent ::= SEQUENCE OF CertStatus, CertStatus ::= SEQUENCE {
    /// certHash OCTET STRING, certReqId INTEGER, statusInfo PKIStatusInfo OPTIONAL }. The
    /// statusInfo is always explicit, accepted or rejection.
    /// </summary>
    public static PkiBody CertConfirm(byte[] certHash, DerInteger certReqId, PkiStatusInfo statusInfo) =>
        new(PkiBody.TYPE_CERT_CONFIRM, CertConfirmContent.GetInstance(new DerSequence(new CertStatus(certHash, certReqId.Value, statusInfo))));

    /// <summary>pollReq [25]: PollReqContent ::= SEQUENCE OF SEQUENCE { certReqId INTEGER }.</summary>
    public static PkiBody PollRequest(DerInteger certReqId) => new(PkiBody.TYPE_POLL_REQ, new PollReqContent(certReqId));

    /// <summary>error [23]: ErrorMsgContent ::= SEQUENCE { pKIStatusInfo, errorCode OPTIONAL, errorDetails OPTIONAL }.</summary>
    public static PkiBody Error(PkiStatusInfo statusInfo) => new(PkiBody.TYPE_ERROR, new ErrorMsgContent(statusInfo));

    public static string Name(int bodyType) => bodyType switch
    {
        0 => "ir", 1 => "ip", 2 => "cr", 3 => "cp", 4 => "p10cr", 7 => "kur", 8 => "kup",
        19 => "pkiConf", 21 => "genm", 22 => "genp", 23 => "error", 24 => "certConf", 25 => "pollReq", 26 => "pollRep",
        _ => "body [" + bodyType.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]",
    };
}
