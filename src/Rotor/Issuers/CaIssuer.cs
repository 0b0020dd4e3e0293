using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Certificates;

namespace Rotor.Issuers;

/// <summary>
/// Issues from a CA whose key Rotor holds: Rotor's own root (optionally through an
/// intermediate), or a CA certificate and key a user gives as files.
/// </summary>
public sealed class CaIssuer : IIssuer
{
    private readonly X509Certificate2 _signer;
    private readonly AsymmetricAlgorithm _signerKey;
    private readonly IReadOnlyList<X509Certificate2> _intermediates;
    private readonly IReadOnlyList<X509Certificate2> _roots;
    private readonly TimeSpan _backdate;
    private readonly TimeProvider _time;

    private CaIssuer(X509Certificate2 signer, AsymmetricAlgorithm signerKey, IReadOnlyList<X509Certificate2> intermediates,
        IReadOnlyList<X509Certificate2> roots, TimeSpan backdate, TimeProvider time)
    {
        _signer = signer;
        _signerKey = signerKey;
        _intermediates = intermediates;
        _roots = roots;
        _backdate = backdate;
        _time = time;
        _generator = CertificateBuilder.GeneratorFor(signerKey);
        _authorityKeyId = X509AuthorityKeyIdentifierExtension.CreateFromCertificate(signer, true, false);
    }

    private readonly X509SignatureGenerator _generator;
    private readonly X509AuthorityKeyIdentifierExtension _authorityKeyId;

    public bool CanBackdate => true;

    /// <summary>Opens the CA that <paramref name="spec"/> names; paths resolve against <paramref name="manifestDirectory"/>.</summary>
    public static async Task<CaIssuer> OpenAsync(CaIssuerSpec spec, string manifestDirectory, LocalCa localCa, IKeyStore keys, TimeProvider time, CancellationToken cancellationToken)
    {
        if (spec.CertificatePath is not null && spec.PrivateKeyPath is not null)
        {
            return await OpenGivenAsync(spec, manifestDirectory, time, cancellationToken);
        }
        var root = localCa.LoadRoot();
        if (spec.Intermediate)
        {
            var intermediate = await localCa.EnsureIntermediateAsync(cancellationToken);
            var key = await keys.LoadAsync(LocalCa.IntermediateKeyRef, cancellationToken)
                ?? throw new RotorException("the local intermediate CA's key is missing from the key store", isTransient: false);
            return new CaIssuer(intermediate, key, [intermediate], [root], spec.Backdate, time);
        }
        var rootKey = await keys.LoadAsync(LocalCa.RootKeyRef, cancellationToken)
            ?? throw new RotorException("the local root CA's key is missing from the key store", isTransient: false);
        return new CaIssuer(root, rootKey, [], [root], spec.Backdate, time);
    }

    private static async Task<CaIssuer> OpenGivenAsync(CaIssuerSpec spec, string dir, TimeProvider time, CancellationToken cancellationToken)
    {
        string Resolve(string p) => Path.GetFullPath(Path.Combine(dir, p));
        X509Certificate2 ca;
        AsymmetricAlgorithm key;
        try
        {
            ca = X509CertificateLoader.LoadCertificateFromFile(Resolve(spec.CertificatePath!));
            var keyPem = await File.ReadAllTextAsync(Resolve(spec.PrivateKeyPath!), cancellationToken);
            key = ca.GetECDsaPublicKey() is not null ? ECDsa.Create() : RSA.Create();
            key.ImportFromPem(keyPem);
        }
        catch (Exception e) when (e is IOException or CryptographicException or ArgumentException or UnauthorizedAccessException)
        {
            // The key file's content is never echoed: only which file and what kind of problem.
            throw new RotorException($"cannot load the CA given in the issuer ({spec.CertificatePath}, {spec.PrivateKeyPath}): {e.GetType().Name}", isTransient: false);
        }
        var chain = spec.ChainPath is null ? [] : CertificatePem.ReadPemChain(await Certificates.PemReader.ReadBoundedTextAsync(Resolve(spec.ChainPath), Certificates.PemLimits.Chain, cancellationToken));
        var all = new[] { ca }.Concat(chain).ToList();
        var roots = all.Where(c => c.Subject == c.Issuer).ToList();
        if (roots.Count == 0) roots = [all[^1]];
        var intermediates = all.Where(c => !roots.Contains(c)).ToList();
        return new CaIssuer(ca, key, intermediates, roots, spec.Backdate, time);
    }

    public Task<IssuedCertificate> IssueAsync(IssueRequest request, CancellationToken cancellationToken)
    {
        // The key is Rotor's own, in this process: its public half is signed directly, with no
        // PKCS#10 round trip (building and verifying a request costs more than the signature).
        var publicKey = new PublicKey(request.SubjectKey);
        var spec = request.Spec;
        var leafRequest = new CertificateRequest(CertificateBuilder.LeafSubject(spec), publicKey, CertificateBuilder.HashFor(_signerKey));
        CertificateBuilder.AddLeafExtensions(leafRequest, spec, request.SubjectKey is RSA);
        leafRequest.CertificateExtensions.Add(_authorityKeyId);
        var now = _time.GetUtcNow();
        var notBefore = now - _backdate;
        var notAfter = now + spec.Duration;
        if (notAfter > _signer.NotAfter) notAfter = _signer.NotAfter;
        var leaf = leafRequest.Create(_signer.SubjectName, _generator, notBefore, notAfter, CertificateBuilder.NewSerial());
        return Task.FromResult(new IssuedCertificate(leaf, _intermediates, _roots));
    }

    public Task<IReadOnlyList<X509Certificate2>> GetTrustAnchorsAsync(CancellationToken cancellationToken) => Task.FromResult(_roots);

    public Task RevokeAsync(X509Certificate2 certificate, CancellationToken cancellationToken) =>
        Task.CompletedTask; // a local CA publishes no CRL yet; the overlap window ends by expiry
}
