using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Rotor.Acme.Jws;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.AcmeServer;

internal sealed partial class AcmeServerEndpoints
{
    /// <summary>
    /// finalize (RFC 8555 7.4): the CSR must verify, name exactly the order's identifiers and carry a
    /// key type the policy allows; the backing issuer signs its key for at most policy.maxDuration
    /// (a shorter notAfter the order asked for wins). The certificate is recorded for the inventory
    /// (account, client address) in the same write that makes the order valid.
    /// </summary>
    private async Task FinalizeAsync(HttpContext context)
    {
        using var request = await ReadSignedAsync(context, Signer.Kid);
        var account = request.RequireAccount();
        var ct = context.RequestAborted;
        var order = await OwnOrderAsync(context, account);
        if (order.Status != "ready") throw AcmeProblemException.OrderNotReady($"the order is {order.Status}, not ready (every authorization must be valid first)");
        using var payload = request.Jws.PayloadJson();
        if (!payload.RootElement.TryGetProperty("csr", out var csrText) || csrText.ValueKind != JsonValueKind.String)
        {
            throw AcmeProblemException.Malformed("finalize needs csr (base64url DER)");
        }
        byte[] der;
        try
        {
            der = Base64Url.Decode(csrText.GetString()!);
        }
        catch (FormatException)
        {
            throw AcmeProblemException.BadCsr("csr is not base64url");
        }
        var csr = AcmeCsr.Read(der);
        csr.CheckNames(order.Identifiers.Where(i => i.Type == "dns").Select(i => i.Value).ToList(), order.Identifiers.Where(i => i.Type == "ip").Select(i => i.Value).ToList());
        if (_policy.CheckKeyType(csr.KeyType) is { } keyRule) throw AcmeProblemException.BadCsr(keyRule);

        var now = _time.GetUtcNow();
        var duration = _spec.Policy.MaxDuration;
        if (order.NotAfter is { } asked && asked - now < duration) duration = asked - now;
        if (duration < TimeSpan.FromMinutes(1)) throw AcmeProblemException.Malformed("the order's notAfter has passed");
        var spec = new CertificateSpec
        {
            CommonName = order.Identifiers[0].Value,
            DnsNames = order.Identifiers.Where(i => i.Type == "dns").Select(i => i.Value).ToList(),
            IpAddresses = order.Identifiers.Where(i => i.Type == "ip").Select(i => i.Value).ToList(),
            Duration = duration,
            PrivateKey = new PrivateKeySpec
            {
                Algorithm = csr.PublicKey is RSA ? KeyAlgorithm.Rsa : KeyAlgorithm.Ecdsa,
                Size = csr.PublicKey.KeySize,
            },
            IssuerRef = _spec.IssuerRef,
        };
        IssuedCertificate issued;
        try
        {
            var (issuer, _) = await _host.Issuers.GetAsync(_spec.IssuerRef, ct);
            issued = await issuer.IssueAsync(new IssueRequest($"acme-server-{_name}-{order.Id}", spec, csr.PublicKey, new Lazy<byte[]>(() => csr.Der)) { KeyOnDevice = true }, ct);
        }
        catch (RotorException e)
        {
            AcmeServerLog.IssueFailed(_logger, _name, order.Id, e.Message);
            await RecordAsync(RotorReasons.AcmeServerCertificateFailed, $"order {order.Id}: issuer '{_spec.IssuerRef}' failed: {e.Message}", ct);
            throw AcmeProblemException.ServerInternal($"the backing issuer could not issue the certificate ({e.Reason ?? "failed"}); finalize again later");
        }
        var chain = new StringBuilder();
        // Leaf and intermediates; a leaf the root signs directly gets the root as its chain, since
        // clients (certbot) expect the issuer's certificate after the leaf and a device needs it to
        // present a chain its peers can check.
        var above = issued.Intermediates.Count > 0 ? issued.Intermediates : issued.Roots;
        foreach (var c in new[] { issued.Leaf }.Concat(above)) chain.Append(c.ExportCertificatePem()).Append('\n');
        var names = order.Identifiers.Select(i => i.Value).ToList();
        var record = new AcmeIssuedCertificateRecord(NewId(), _name, account.Id, order.Id, issued.Leaf.SerialNumber.ToLowerInvariant(), chain.ToString(), names,
            new DateTimeOffset(issued.Leaf.NotBefore.ToUniversalTime()), new DateTimeOffset(issued.Leaf.NotAfter.ToUniversalTime()),
            order.ClientAddress, now, null, null);
        order = order with { Status = "valid", CertificateId = record.Id };
        await _store.AddIssuedCertificateAsync(record, order, ct);
        AcmeServerLog.Issued(_logger, _name, record.SerialHex, string.Join(",", names), account.Id, order.ClientAddress, record.NotAfter);
        await RecordAsync(RotorReasons.AcmeServerIssued,
            $"issued serial {record.SerialHex} for {string.Join(", ", names)} to account {account.Id} at {order.ClientAddress}, valid until {record.NotAfter:o}", ct);
        context.Response.Headers.Location = OrderUrl(context, order.Id);
        await WriteJsonAsync(context, StatusCodes.Status200OK, OrderView(context, order), AcmeServerJsonContext.Default.OrderJson);
    }

    /// <summary>The certificate and the chain above it, as application/pem-certificate-chain (RFC 8555 7.4.2).</summary>
    private async Task CertificateAsync(HttpContext context)
    {
        using var request = await ReadSignedAsync(context, Signer.Kid);
        var account = request.RequireAccount();
        var certificate = await _store.GetIssuedCertificateAsync(Route(context, "id"), context.RequestAborted);
        if (certificate is null || certificate.Server != _name) throw AcmeProblemException.NotFound("certificate");
        if (certificate.AccountId != account.Id) throw AcmeProblemException.Unauthorized("this certificate was issued to another account");
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.Headers["Replay-Nonce"] = _nonces.Next();
        context.Response.ContentType = "application/pem-certificate-chain";
        await context.Response.WriteAsync(certificate.ChainPem, context.RequestAborted);
    }

    /// <summary>
    /// revokeCert (RFC 8555 7.6): signed by the account that ordered the certificate, or by the
    /// certificate's own key (jwk). The backing issuer is told, and the inventory records it.
    /// </summary>
    private async Task RevokeAsync(HttpContext context)
    {
        using var request = await ReadSignedAsync(context, Signer.Either);
        var ct = context.RequestAborted;
        using var payload = request.Jws.PayloadJson();
        var p = payload.RootElement;
        if (!p.TryGetProperty("certificate", out var certText) || certText.ValueKind != JsonValueKind.String)
        {
            throw AcmeProblemException.Malformed("revokeCert needs certificate (base64url DER)");
        }
        var reason = 0;
        if (p.TryGetProperty("reason", out var r))
        {
            if (r.ValueKind != JsonValueKind.Number || !r.TryGetInt32(out reason) || reason is < 0 or > 10 or 7)
            {
                throw AcmeProblemException.BadRevocationReason("reason must be an RFC 5280 CRLReason code: 0 to 10, not 7");
            }
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(Base64Url.Decode(certText.GetString()!));
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            throw AcmeProblemException.Malformed("certificate is not a base64url DER certificate");
        }
        using (certificate)
        {
            var record = await _store.FindIssuedCertificateBySerialAsync(_name, certificate.SerialNumber.ToLowerInvariant(), ct);
            if (record is null || !SameCertificate(record, certificate)) throw AcmeProblemException.NotFound("certificate issued by this server");
            if (request.Account is { } account)
            {
                if (account.Id != record.AccountId) throw AcmeProblemException.Unauthorized("only the account that ordered the certificate, or its key's holder, may revoke it");
            }
            else
            {
                using var key = (AsymmetricAlgorithm?)certificate.GetECDsaPublicKey() ?? certificate.GetRSAPublicKey();
                if (key is null || !request.Key.SameKey(key)) throw AcmeProblemException.Unauthorized("the request is signed neither by an account nor by the certificate's key");
            }
            var by = request.Account is { } byAccount ? $"account {byAccount.Id}" : "the certificate's key";
            if (!await AcmeServerRevocation.RevokeAsync(_host, _logger, _spec, record, reason, by, ct))
            {
                throw AcmeProblemException.AlreadyRevoked("the certificate is revoked already");
            }
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.Headers["Replay-Nonce"] = _nonces.Next();
    }

    private static bool SameCertificate(AcmeIssuedCertificateRecord record, X509Certificate2 certificate)
    {
        var first = Certificates.CertificatePem.ReadPemChain(record.ChainPem).FirstOrDefault();
        return first is not null && first.RawData.AsSpan().SequenceEqual(certificate.RawData);
    }
}
