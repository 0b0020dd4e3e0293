using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;
using Org.BouncyCastle.Asn1.Crmf;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Rotor.Cmp.Messages;
using Rotor.Cmp.Protection;
using Rotor.Cmp.Transport;

namespace Rotor.Tests.Cmp;

/// <summary>
/// An in-process CMP server for unit tests: PBM-protected answers with correct nonces, a
/// certificate issued for the requested key (or a fixed one), optional polling, and hooks
/// that break the header in one way so the client's checks can be seen refusing it.
/// </summary>
internal sealed class FakeCmpServer : ICmpTransport, IDisposable
{
    private readonly byte[] _secret;
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;
    private X509Certificate2? _pending;
    private int _pollsLeft;

    public FakeCmpServer(string secret)
    {
        _secret = Encoding.UTF8.GetBytes(secret);
        var request = new CertificateRequest("CN=Fake CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(200));
    }

    /// <summary>How many pollReq the server wants before it answers (0: answer at once).</summary>
    public int PollsNeeded { get; set; }
    public int CheckAfterSeconds { get; set; } = 60;
    public bool GrantImplicitConfirm { get; set; }
    public bool NeverAnswer { get; set; }
    /// <summary>Returned instead of a certificate for the requested key.</summary>
    public X509Certificate2? FixedCertificate { get; set; }
    /// <summary>Changes the response header before it is protected (transactionID, recipNonce).</summary>
    public Func<int, (byte[]? TransactionId, byte[]? RecipNonce)>? Corrupt { get; set; }
    /// <summary>The PBM iteration count of responses.</summary>
    public int MacIterations { get; set; } = 500;
    /// <summary>When set, responses are signed by this certificate (issued by <see cref="Ca"/>) instead of MAC-protected.</summary>
    public (X509Certificate2 Certificate, ECDsa Key)? Signer { get; set; }

    /// <summary>extraCerts carry the CA with one byte of its signature flipped (the copy nothing protects, changed on the way).</summary>
    public bool TamperExtraCertsCa { get; set; }
    /// <summary>Certificate responses carry no caPubs.</summary>
    public bool OmitCaPubs { get; set; }
    /// <summary>Put before the CA in caPubs (e.g. an older root of the same name).</summary>
    public IReadOnlyList<X509Certificate2> CaPubsBefore { get; set; } = [];

    /// <summary>The CA that issues certificates and signers; the trust anchor of signed responses.</summary>
    public X509Certificate2 Ca => _ca;

    public List<Received> Requests { get; } = [];
    public List<byte[]> ResponseSenderNonces { get; } = [];

    public sealed record Received(string Body, byte[] TransactionId, byte[] SenderNonce, byte[]? RecipNonce, bool ImplicitRequested, CmpStatus? CertConfStatus);

    public async Task<byte[]> SendAsync(Uri server, byte[] request, CancellationToken cancellationToken)
    {
        if (NeverAnswer) await Task.Delay(Timeout.Infinite, cancellationToken);
        var message = PkiMessage.GetInstance(Asn1Object.FromByteArray(request));
        var h = message.Header;
        var mac = PasswordBasedMac.Compute(_secret, h.ProtectionAlg, new ProtectedPart(h, message.Body).GetDerEncoded());
        if (!mac.AsSpan().SequenceEqual(message.Protection.GetOctets())) throw new InvalidOperationException("request MAC does not verify");

        var implicitRequested = (h.GetGeneralInfo() ?? []).Any(i => i.InfoType.Equals(CmpObjectIdentifiers.it_implicitConfirm));
        CmpStatus? confStatus = null;
        PkiBody body;
        switch (message.Body.Type)
        {
            case PkiBody.TYPE_INIT_REQ or PkiBody.TYPE_CERT_REQ or PkiBody.TYPE_KEY_UPDATE_REQ:
                var template = CertReqMessages.GetInstance(message.Body.Content).ToCertReqMsgArray()[0].CertReq.CertTemplate;
                var issued = FixedCertificate ?? Issue(template.PublicKey.GetDerEncoded());
                if (PollsNeeded > 0)
                {
                    _pending = issued;
                    _pollsLeft = PollsNeeded;
                    body = Rep(message.Body.Type + 1, CmpStatus.Waiting, null);
                }
                else
                {
                    body = Rep(message.Body.Type + 1, CmpStatus.Accepted, issued);
                }
                break;
            case PkiBody.TYPE_POLL_REQ:
                body = --_pollsLeft > 0
                    ? new PkiBody(PkiBody.TYPE_POLL_REP, new PollRepContent(DerInteger.ValueOf(0), DerInteger.ValueOf(CheckAfterSeconds)))
                    : Rep(PkiBody.TYPE_INIT_REP, CmpStatus.Accepted, _pending);
                break;
            case PkiBody.TYPE_CERT_CONFIRM:
                var status = CertConfirmContent.GetInstance(message.Body.Content).ToCertStatusArray()[0].StatusInfo;
                confStatus = status is null ? CmpStatus.Accepted : (CmpStatus)status.Status.IntValue;
                body = new PkiBody(PkiBody.TYPE_CONFIRM, DerNull.Instance);
                break;
            default:
                body = new PkiBody(PkiBody.TYPE_CONFIRM, DerNull.Instance);
                break;
        }
        lock (Requests)
        {
            Requests.Add(new(Name(message.Body.Type), h.TransactionID.GetOctets(), h.SenderNonce.GetOctets(), h.RecipNonce?.GetOctets(), implicitRequested, confStatus));
        }
        return Respond(h, body, implicitRequested && GrantImplicitConfirm);
    }

    private byte[] Respond(PkiHeader request, PkiBody body, bool implicitConfirm)
    {
        var (tid, recipNonce) = Corrupt?.Invoke(Requests.Count - 1) ?? (null, null);
        var nonce = RandomNumberGenerator.GetBytes(16);
        ResponseSenderNonces.Add(nonce);
        var signer = Signer;
        var algorithm = signer is null ? PasswordBasedMac.NewAlgorithm(MacIterations) : new AlgorithmIdentifier(X9ObjectIdentifiers.ECDsaWithSha256);
        var sender = signer is null ? new X509Name("CN=Fake CA") : X509Name.GetInstance(signer.Value.Certificate.SubjectName.RawData);
        var b = new PkiHeaderBuilder(2, new GeneralName(sender), request.Sender)
            .SetProtectionAlg(algorithm)
            .SetTransactionID(tid ?? request.TransactionID.GetOctets())
            .SetSenderNonce(nonce)
            .SetRecipNonce(recipNonce ?? request.SenderNonce.GetOctets());
        if (signer is { } s) b.SetSenderKID(s.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifierBytes.ToArray());
        if (implicitConfirm) b.SetGeneralInfo(new InfoTypeAndValue(CmpObjectIdentifiers.it_implicitConfirm, DerNull.Instance));
        var header = b.Build();
        var ca = new CmpCertificate(X509CertificateStructure.GetInstance(TamperExtraCertsCa ? Tampered(_ca.RawData) : _ca.RawData));
        CmpCertificate[] extraCerts = signer is { } signing
            ? [new CmpCertificate(X509CertificateStructure.GetInstance(signing.Certificate.RawData)), ca]
            : [ca];
        var protection = Protection(header, new ProtectedPart(header, body).GetEncoded(Asn1Encodable.Der))!;
        return new PkiMessage(header, body, new DerBitString(protection), extraCerts).GetDerEncoded();
    }

    /// <summary>
    /// The protection this server gives <paramref name="protectedPart"/> under the header's
    /// algorithm: a MAC with the secret, or a signature by <see cref="Signer"/>. Null when it
    /// cannot make one (a PBMParameter it will not compute).
    /// </summary>
    public byte[]? Protection(PkiHeader header, byte[] protectedPart)
    {
        if (Signer is { } signer) return signer.Key.SignData(protectedPart, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        try
        {
            return PasswordBasedMac.Compute(_secret, header.ProtectionAlg, protectedPart);
        }
        catch (Exception e) when (e is Rotor.Cmp.CmpException or NullReferenceException or ArgumentException or InvalidCastException or ArithmeticException)
        {
            return null;
        }
    }

    /// <summary>A signing certificate for <see cref="Signer"/>, issued by <see cref="Ca"/>.</summary>
    public (X509Certificate2, ECDsa) NewSigner()
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Fake RA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var certificate = request.Create(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(150), [9, 9]);
        return (certificate, key);
    }

    private PkiBody Rep(int type, CmpStatus status, X509Certificate2? certificate)
    {
        var keyPair = certificate is null
            ? null
            : new CertifiedKeyPair(new CertOrEncCert(new CmpCertificate(X509CertificateStructure.GetInstance(certificate.RawData))));
        var response = new CertResponse(DerInteger.ValueOf(0), new PkiStatusInfo((int)status), keyPair, null);
        CmpCertificate[]? caPubs = OmitCaPubs ? null : [.. CaPubsBefore.Append(_ca).Select(c => new CmpCertificate(X509CertificateStructure.GetInstance(c.RawData)))];
        return new PkiBody(type, new CertRepMessage(caPubs, [response]));
    }

    /// <summary>The certificate with the last byte (inside its signature) changed: it still parses, its signature no longer verifies.</summary>
    private static byte[] Tampered(byte[] der)
    {
        var copy = (byte[])der.Clone();
        copy[^1] ^= 0x01;
        return copy;
    }

    private X509Certificate2 Issue(byte[] subjectPublicKeyInfo)
    {
        var key = PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        var request = new CertificateRequest(new X500DistinguishedName("CN=issued.example.test"), key, HashAlgorithmName.SHA384);
        return request.Create(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(200), [1, 2, 3]);
    }

    private static string Name(int type) => type switch
    {
        0 => "ir", 2 => "cr", 7 => "kur", 4 => "p10cr", 23 => "error", 24 => "certConf", 25 => "pollReq", _ => "body" + type,
    };

    public void Dispose()
    {
        _caKey.Dispose();
        _ca.Dispose();
    }
}
