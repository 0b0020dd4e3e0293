using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Rotor.Cmp.Messages;
using Rotor.Cmp.Protection;
using Rotor.Cmp.Transport;

namespace Rotor.Cmp;

/// <summary>
/// A CMP client (RFC 4210, 9480, 9483 lightweight profile) for certificate enrolment:
/// ir/ip, cr/cp, kur/kup and p10cr/cp, with polling, certConf/pkiConf and implicit
/// confirmation. Every response is verified before it is used. Thread-safe: each call is its
/// own transaction on the server the group names at its start.
/// </summary>
public sealed partial class CmpClient
{
    // The error message that closes a cancelled transaction waits at most this long.
    private static readonly TimeSpan AbandonTimeout = TimeSpan.FromSeconds(5);

    private readonly CmpServerGroup _servers;
    private readonly ICmpTransport _transport;
    private readonly CmpClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CmpResponseVerifier _verifier;

    /// <exception cref="ArgumentException">The options break a rule (e.g. MessageTimeout above TotalTimeout).</exception>
    public CmpClient(CmpServerGroup servers, ICmpTransport transport, CmpClientOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(transport);
        _options = options ?? new CmpClientOptions();
        _options.ThrowIfInvalid();
        _servers = servers;
        _transport = transport;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _verifier = new CmpResponseVerifier(_options.ServerTrust, _time);
    }

    public CmpServerGroup Servers => _servers;

    /// <summary>ir/ip: first enrolment, typically MAC-protected with an IAK (RFC 9483 section 4.1.1).</summary>
    public Task<CmpEnrollmentResult> InitialRequestAsync(CmpCertificateRequest request, CmpProtection protection, CancellationToken cancellationToken) =>
        CertificateRequestAsync(PkiBody.TYPE_INIT_REQ, PkiBody.TYPE_INIT_REP, request, protection, cancellationToken);

    /// <summary>cr/cp: enrolment by an entity that already holds a certificate (RFC 9483 section 4.1.2).</summary>
    public Task<CmpEnrollmentResult> CertificationRequestAsync(CmpCertificateRequest request, CmpProtection protection, CancellationToken cancellationToken) =>
        CertificateRequestAsync(PkiBody.TYPE_CERT_REQ, PkiBody.TYPE_CERT_REP, request, protection, cancellationToken);

    /// <summary>
    /// kur/kup (RFC 9483 section 4.1.3): signed with the current certificate and its key
    /// (senderKID = its subjectKeyIdentifier), naming it in the oldCertID control, and proving
    /// possession of the new key in <paramref name="request"/>.
    /// </summary>
    public Task<CmpEnrollmentResult> KeyUpdateRequestAsync(CmpCertificateRequest request, CmpSignatureProtection current, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(current);
        var recipient = _options.Recipient ?? current.Certificate.IssuerName;
        var enrollment = new Enrollment(PkiBody.TYPE_KEY_UPDATE_REQ, PkiBody.TYPE_KEY_UPDATE_REP, current,
            CmpMessageEncoder.ToX509Name(request.Subject), new GeneralName(CmpMessageEncoder.ToX509Name(recipient)),
            () => CmpRequestBodies.CertificateRequest(PkiBody.TYPE_KEY_UPDATE_REQ, request, current.Certificate),
            request.Key.ExportSubjectPublicKeyInfo(), request.AcceptCertificate, request.AcceptIssued, request.Progress);
        return EnrollAsync(enrollment, cancellationToken);
    }

    /// <summary>
    /// p10cr/cp (RFC 9483 section 4.1.4): a PKCS#10 request in DER. The issued certificate must
    /// carry the request's public key.
    /// </summary>
    public Task<CmpEnrollmentResult> Pkcs10RequestAsync(byte[] certificationRequest, CmpProtection protection,
        Func<X509Certificate2, string?>? acceptCertificate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(certificationRequest);
        ArgumentNullException.ThrowIfNull(protection);
        CertificationRequest csr;
        try
        {
            csr = CertificationRequest.GetInstance(Asn1Object.FromByteArray(certificationRequest));
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException)
        {
            throw new ArgumentException("the PKCS#10 request is not DER", nameof(certificationRequest), e);
        }
        var info = csr.GetCertificationRequestInfo();
        var enrollment = new Enrollment(PkiBody.TYPE_P10_CERT_REQ, PkiBody.TYPE_CERT_REP, protection,
            protection.Sender is { } s ? CmpMessageEncoder.ToX509Name(s) : info.Subject, Recipient(),
            () => CmpRequestBodies.Pkcs10(certificationRequest), info.SubjectPublicKeyInfo.GetDerEncoded(), acceptCertificate, null, null);
        return EnrollAsync(enrollment, cancellationToken);
    }

    private Task<CmpEnrollmentResult> CertificateRequestAsync(int requestType, int responseType, CmpCertificateRequest request,
        CmpProtection protection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(protection);
        // The sender is the signer for signature protection, else the requested subject (RFC 9483 section 3.1).
        var sender = CmpMessageEncoder.ToX509Name(protection.Sender ?? request.Subject);
        var enrollment = new Enrollment(requestType, responseType, protection, sender, Recipient(),
            () => CmpRequestBodies.CertificateRequest(requestType, request, null),
            request.Key.ExportSubjectPublicKeyInfo(), request.AcceptCertificate, request.AcceptIssued, request.Progress);
        return EnrollAsync(enrollment, cancellationToken);
    }

    // The NULL-DN when the CA's name is not configured (RFC 9483 section 3.1).
    private GeneralName Recipient() => _options.Recipient is { } r
        ? new GeneralName(CmpMessageEncoder.ToX509Name(r))
        : PkiHeader.NULL_NAME;

    /// <summary>One kind of enrolment: what to send, what to expect, which key the certificate must carry.</summary>
    private sealed record Enrollment(
        int RequestType,
        int ResponseType,
        CmpProtection Protection,
        X509Name Sender,
        GeneralName Recipient,
        Func<PkiBody> BuildBody,
        byte[] RequestedPublicKey,
        Func<X509Certificate2, string?>? AcceptCertificate,
        Func<CmpIssuedCertificate, string?>? AcceptIssued,
        Action<CmpProgress>? Progress)
    {
        public void Report(CmpStage stage, CmpTransaction tx, int polls, DateTimeOffset? nextPollAt) =>
            Progress?.Invoke(new CmpProgress(stage, CmpRequestBodies.Name(RequestType), tx.Server, tx.TransactionIdHex, polls, nextPollAt));
    }
}
