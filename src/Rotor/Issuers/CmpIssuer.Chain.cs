using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Rotor.Cmp;
using Rotor.Core.Abstractions;

namespace Rotor.Issuers;

/// <summary>
/// Which CA certificates an issued certificate's chain is built from. Authenticated sources
/// come first: the configured trustedRoots (or, without them, roots learnt from earlier
/// caPubs and serverTrust), then the caPubs of this authenticated ip, and only then
/// extraCerts, which nothing protects. Each issuer is picked by verifying the signature of
/// the certificate below it, not by its name alone, so a changed copy in extraCerts is passed
/// over. The chain is checked before certConf: a certificate whose chain does not build to
/// trust is rejected at the CA instead of being accepted there and failing validation here.
/// </summary>
public sealed partial class CmpIssuer
{
    private const int MaxChainDepth = 8;

    // Roots learnt from the caPubs of authenticated ip messages (used when trustedRoots is not set).
    private readonly ConcurrentDictionary<string, X509Certificate2> _caPubRoots = new(StringComparer.OrdinalIgnoreCase);

    public async Task<IReadOnlyList<X509Certificate2>> GetTrustAnchorsAsync(CancellationToken cancellationToken)
    {
        if (_spec.TrustedRoots is not null)
        {
            return await ReadPemFileAsync(Resolve(_baseDirectory, _spec.TrustedRoots), "trustedRoots", cancellationToken);
        }
        // A kup carries no caPubs: the roots of earlier ip messages, else the CMP server's own trust.
        if (!_caPubRoots.IsEmpty) return [.. _caPubRoots.Values];
        return _spec.ServerTrust is null ? [] : await ReadPemFileAsync(Resolve(_baseDirectory, _spec.ServerTrust), "serverTrust", cancellationToken);
    }

    /// <summary>
    /// The chain of <paramref name="issued"/>: intermediates and the root above the leaf, the
    /// root kept as trust only when it came in caPubs and no trustedRoots are configured, and
    /// why Rotor cannot use it (null when the chain builds to trust as validation will check it).
    /// </summary>
    internal sealed record CmpChainChoice(IReadOnlyList<X509Certificate2> Intermediates, IReadOnlyList<X509Certificate2> Roots, string? Problem);

    private CmpChainChoice ChooseChain(CmpIssuedCertificate issued, IReadOnlyList<X509Certificate2> authenticated)
    {
        var candidates = authenticated.Concat(issued.CaPubs).Concat(issued.ExtraCerts).ToList();
        var intermediates = new List<X509Certificate2>();
        var roots = new List<X509Certificate2>();
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { issued.Certificate.Thumbprint };
        var current = issued.Certificate;
        for (var depth = 0; depth < MaxChainDepth; depth++)
        {
            var below = current;
            var issuer = candidates.FirstOrDefault(c => !used.Contains(c.Thumbprint)
                && c.SubjectName.RawData.AsSpan().SequenceEqual(below.IssuerName.RawData)
                && CmpCertificateSignature.IsSignedBy(below, c));
            if (issuer is null) break;
            if (issuer.SubjectName.RawData.AsSpan().SequenceEqual(issuer.IssuerName.RawData))
            {
                // A root is taken as trust only when it came in caPubs of an authenticated ip and
                // no trustedRoots are configured; otherwise validation uses the configured roots.
                if (_spec.TrustedRoots is null && issued.CaPubs.Any(c => c.Thumbprint == issuer.Thumbprint)) roots.Add(issuer);
                break;
            }
            intermediates.Add(issuer);
            used.Add(issuer.Thumbprint);
            current = issuer;
        }
        // As the reconciler validates: the caPubs root, else the issuer's trust anchors.
        var problem = ChainProblem(issued.Certificate, intermediates, roots.Count > 0 ? roots : authenticated);
        return new CmpChainChoice(intermediates, roots, problem);
    }

    /// <summary>Null when the leaf builds over the intermediates to <paramref name="trust"/> (the system store when empty), with validation's chain policy.</summary>
    private string? ChainProblem(X509Certificate2 leaf, List<X509Certificate2> intermediates, IReadOnlyList<X509Certificate2> trust)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        // Time has its own checks (the short-validity veto, validation's currently-valid).
        policy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
        policy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        if (trust.Count > 0)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(trust.ToArray());
        }
        policy.ExtraStore.AddRange(intermediates.ToArray());
        bool built;
        try
        {
            built = chain.Build(leaf);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            return $"its chain cannot be built ({e.Message})";
        }
        if (built) return null;
        var top = chain.ChainElements.Count > 0 ? chain.ChainElements[^1].Certificate : leaf;
        var statuses = string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct());
        var where = trust.Count > 0 ? "trustedRoots, the authenticated caPubs or serverTrust" : "the system trust (no trustedRoots, caPubs or serverTrust)";
        return $"untrusted chain: it does not build to {where} ({statuses}); the top found is '{top.Subject}', issued by '{top.Issuer}'";
    }

    /// <summary>The leaf with the chain chosen before certConf; a caPubs root is remembered for later kup messages, which carry none.</summary>
    private IssuedCertificate ToIssued(CmpEnrollmentResult result, CmpChainChoice chain)
    {
        foreach (var root in chain.Roots) _caPubRoots[root.Thumbprint] = root;
        return new IssuedCertificate(result.Certificate, chain.Intermediates, chain.Roots);
    }
}
