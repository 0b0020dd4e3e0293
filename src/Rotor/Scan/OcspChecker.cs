using System.Net.Http.Headers;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;
using Rotor.Core.Scan;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Rotor.Scan;

/// <summary>
/// Asks the OCSP responder named in a leaf's Authority Information Access (RFC 5280 §4.2.2.1) about
/// the leaf (RFC 6960): one POST, bounded in size and time, with the issuer taken from the presented
/// chain. The answer counts only when its signature verifies with the issuer's key or with a
/// responder certificate the issuer signed for OCSP signing (RFC 6960 §4.2.2.2).
/// </summary>
internal sealed class OcspChecker(HttpClient http, TimeProvider time)
{
    private const int MaxResponseBytes = 64 * 1024;
    private const string OcspSigning = "1.3.6.1.5.5.7.3.9";

    public sealed record Answer(OcspStatus Status, string? Detail, DateTimeOffset? RevokedAt);

    /// <summary>The answer about a leaf that names no responder.</summary>
    public static readonly Answer NoResponder = new(OcspStatus.Unavailable, "the certificate names no OCSP responder", null);

    /// <param name="chainDer">The presented chain, leaf first, then the trusted roots: a private CA's leaf is often issued by a root the server does not send.</param>
    public async Task<Answer> CheckAsync(byte[] leafDer, IReadOnlyList<byte[]> chainDer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        BcCertificate leaf;
        try
        {
            leaf = new X509CertificateParser().ReadCertificate(leafDer);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new Answer(OcspStatus.Unavailable, "the leaf could not be read: " + e.Message, null);
        }
        if (ResponderUrl(leaf) is not { } url) return NoResponder;
        var issuer = chainDer.Skip(1).Select(TryRead).FirstOrDefault(c => c is not null && c.SubjectDN.Equivalent(leaf.IssuerDN));
        if (issuer is null) return new Answer(OcspStatus.Unavailable, "the issuer is neither in the presented chain nor among the trusted roots", null);
        try
        {
            var id = new CertificateID(new AlgorithmIdentifier(Org.BouncyCastle.Asn1.Oiw.OiwObjectIdentifiers.IdSha1, DerNull.Instance), issuer, leaf.SerialNumber);
            var generator = new OcspReqGenerator();
            generator.AddRequest(id);
            var request = generator.Generate().GetEncoded();
            using var limit = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
            using var content = new ByteArrayContent(request);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
            using var response = await http.PostAsync(url, content, linked.Token);
            if (!response.IsSuccessStatusCode) return new Answer(OcspStatus.Unavailable, $"the responder {url} answered HTTP {(int)response.StatusCode}", null);
            var body = await ReadBoundedAsync(response, linked.Token);
            if (body is null) return new Answer(OcspStatus.Unavailable, $"the responder's answer is larger than {MaxResponseBytes} bytes", null);
            return Judge(body, id, issuer, url);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Answer(OcspStatus.Unavailable, $"the responder {url} did not answer within {timeout.TotalSeconds:0.#} s", null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OcspException or ArgumentException or InvalidOperationException
            or Org.BouncyCastle.Security.SecurityUtilityException or Org.BouncyCastle.Crypto.CryptoException)
        {
            return new Answer(OcspStatus.Unavailable, $"OCSP at {url}: {e.Message}", null);
        }
    }

    private static Answer Judge(byte[] body, CertificateID id, BcCertificate issuer, string url)
    {
        OcspResp parsed;
        try
        {
            parsed = new OcspResp(body);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or Asn1Exception)
        {
            return new Answer(OcspStatus.Unavailable, $"the responder {url} sent no readable OCSP response ({e.Message})", null);
        }
        if (parsed.Status != OcspRespStatus.Successful) return new Answer(OcspStatus.Unavailable, $"the responder {url} answered status {parsed.Status}", null);
        if (parsed.GetResponseObject() is not BasicOcspResp basic) return new Answer(OcspStatus.Unavailable, $"the responder {url} sent no basic response", null);
        if (!SignedByIssuerOrDelegate(basic, issuer)) return new Answer(OcspStatus.Unavailable, $"the answer of {url} is not signed by the issuer or its OCSP responder", null);
        foreach (var single in basic.Responses)
        {
            if (!single.GetCertID().Equals(id)) continue;
            return single.GetCertStatus() switch
            {
                null => new Answer(OcspStatus.Good, null, null),
                RevokedStatus r => new Answer(OcspStatus.Revoked,
                    r.HasRevocationReason ? $"reason: {Reason(r.RevocationReason)}" : null,
                    new DateTimeOffset(DateTime.SpecifyKind(r.RevocationTime, DateTimeKind.Utc))),
                _ => new Answer(OcspStatus.Unknown, "the responder does not know the certificate", null),
            };
        }
        return new Answer(OcspStatus.Unavailable, $"the answer of {url} is about another certificate", null);
    }

    private static bool SignedByIssuerOrDelegate(BasicOcspResp basic, BcCertificate issuer)
    {
        if (basic.Verify(issuer.GetPublicKey())) return true;
        foreach (var responder in basic.GetCerts() ?? [])
        {
            try
            {
                if (!responder.IssuerDN.Equivalent(issuer.SubjectDN)) continue;
                responder.Verify(issuer.GetPublicKey());
                if (responder.GetExtendedKeyUsage()?.Any(k => k.Id == OcspSigning) == true && basic.Verify(responder.GetPublicKey())) return true;
            }
            catch (Exception e) when (e is Org.BouncyCastle.Security.Certificates.CertificateException or Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException)
            {
            }
        }
        return false;
    }

    /// <summary>The first http(s) OCSP URL of the AIA extension, or null.</summary>
    private static string? ResponderUrl(BcCertificate leaf)
    {
        var value = leaf.GetExtensionValue(X509Extensions.AuthorityInfoAccess);
        if (value is null) return null;
        var aia = AuthorityInformationAccess.GetInstance(Asn1Object.FromByteArray(value.GetOctets()));
        foreach (var d in aia.GetAccessDescriptions())
        {
            if (!d.AccessMethod.Equals(AccessDescription.IdADOcsp) || d.AccessLocation.TagNo != GeneralName.UniformResourceIdentifier) continue;
            var url = DerIA5String.GetInstance(d.AccessLocation.Name).GetString();
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)) return url;
        }
        return null;
    }

    private static BcCertificate? TryRead(byte[] der)
    {
        try
        {
            return new X509CertificateParser().ReadCertificate(der);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<byte[]?> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > MaxResponseBytes) return null;
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > MaxResponseBytes) return null;
        }
        return buffer.ToArray();
    }

    /// <summary>RFC 5280 §5.3.1 CRLReason.</summary>
    private static string Reason(int code) => code switch
    {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
