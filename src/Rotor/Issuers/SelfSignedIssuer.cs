using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;

namespace Rotor.Issuers;

/// <summary>Each certificate signed by its own key; the peer trusts the leaf itself.</summary>
public sealed class SelfSignedIssuer(TimeSpan backdate, TimeProvider time) : IIssuer
{
    public bool CanBackdate => true;

    public Task<IssuedCertificate> IssueAsync(IssueRequest request, CancellationToken cancellationToken)
    {
        if (request.KeyOnDevice)
        {
            throw new RotorException($"certificate '{request.CertificateName}': a self-signed certificate is signed with its own private key, which stays on the device (keyOnDevice); use a ca or acme issuer",
                isTransient: false) { Reason = RotorReasons.KeyOnDeviceMisconfigured };
        }
        var key = request.SubjectKey;
        var spec = request.Spec;
        var hash = CertificateBuilder.HashFor(key);
        var req = key switch
        {
            ECDsa ec => new CertificateRequest(CertificateBuilder.LeafSubject(spec), ec, hash),
            RSA rsa => new CertificateRequest(CertificateBuilder.LeafSubject(spec), rsa, hash, RSASignaturePadding.Pkcs1),
            _ => throw new RotorException("self-signed certificates need an ECDSA or RSA key", isTransient: false),
        };
        CertificateBuilder.AddLeafExtensions(req, spec, key is RSA);
        var now = time.GetUtcNow();
        var leaf = req.Create(req.SubjectName, CertificateBuilder.GeneratorFor(key), now - backdate, now + spec.Duration, CertificateBuilder.NewSerial());
        return Task.FromResult(new IssuedCertificate(leaf, [], [leaf]));
    }

    public Task<IReadOnlyList<X509Certificate2>> GetTrustAnchorsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<X509Certificate2>>([]);

    public Task RevokeAsync(X509Certificate2 certificate, CancellationToken cancellationToken) => Task.CompletedTask;
}
