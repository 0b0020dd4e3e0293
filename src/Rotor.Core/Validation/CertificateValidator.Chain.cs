using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;

namespace Rotor.Core.Validation;

/// <summary>The rules on who signed whom and when: chain-trusted, currently-valid, outlives-renew-before.</summary>
public static partial class CertificateValidator
{
    /// <summary>
    /// The chain-trusted rule, and the CA certificates the chain was built through (above the
    /// leaf, up to and including the trust anchor it reached; empty when it did not build).
    /// </summary>
    private static (RuleResult Result, IReadOnlyList<X509Certificate2> TrustPath) CheckChain(Decoded d)
    {
        var input = d.Input;
        if (input.Chain.Count > MaxChainLength)
        {
            return (Fail(ValidationRules.ChainTrusted, $"not built: the chain holds {input.Chain.Count} certificates (see chain-length)"), []);
        }
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        // Time is its own rule (currently-valid); the chain rule is about who signed whom.
        policy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
        policy.VerificationTime = input.Now.UtcDateTime;
        if (input.TrustAnchors.Count > 0)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(input.TrustAnchors.ToArray());
        }
        policy.ExtraStore.AddRange(input.Chain.ToArray());
        bool built;
        try
        {
            built = chain.Build(input.Leaf);
        }
        catch (Exception e) when (DecodedCertificate.IsDecodeError(e))
        {
            // OpenSSL refuses some malformed content outright instead of reporting a chain status.
            return (Fail(ValidationRules.ChainTrusted, $"the chain cannot be built: a certificate's content is refused ({e.GetType().Name}: {e.Message}); see malformed-certificate"), []);
        }
        var elements = chain.ChainElements.Select(e => e.Certificate).ToList();
        if (built)
        {
            // Copies: the chain's own certificate objects go with it. The anchor may have come from
            // the trust store rather than the chain given (a root the CA does not send).
            var path = elements.Skip(1).Select(c => X509CertificateLoader.LoadCertificate(c.RawData)).ToList();
            return (Pass(ValidationRules.ChainTrusted, $"builds to the configured trust: {string.Join(" <- ", elements.Select(SubjectOf))}"), path);
        }
        var last = elements.Count > 0 ? elements[^1] : input.Leaf;
        var statuses = chain.ChainStatus.Select(s => s.Status).Distinct().ToList();
        var (lastSubject, lastIssuer) = (SubjectOf(last), IssuerOf(last));
        var trust = input.TrustAnchors.Count > 0 ? "among the given trust anchors" : "in the system trust store";
        if (lastSubject == lastIssuer && statuses.Contains(X509ChainStatusFlags.UntrustedRoot))
        {
            return (Fail(ValidationRules.ChainTrusted, $"chain does not reach the configured trust: it ends at the root '{lastSubject}', which is not trusted (it is not {trust})"), []);
        }
        if (statuses.Contains(X509ChainStatusFlags.PartialChain) && lastSubject != lastIssuer)
        {
            // Rotor cannot tell whether the absent issuer is a root or an intermediate: say both.
            return (Fail(ValidationRules.ChainTrusted,
                $"chain does not reach the configured trust: the issuer '{lastIssuer}' of '{lastSubject}' is not a trusted root (it is not {trust}) " +
                "and not in the chain (if it is an intermediate, the chain is missing it)"), []);
        }
        var detail = string.Join(", ", statuses.Select(s => s.ToString()));
        return (Fail(ValidationRules.ChainTrusted, $"chain does not build to the configured trust ({detail}); top of chain: '{lastSubject}'"), []);
    }

    private static string SubjectOf(X509Certificate2 certificate) => NameOf(() => certificate.Subject);
    private static string IssuerOf(X509Certificate2 certificate) => NameOf(() => certificate.Issuer);

    private static string NameOf(Func<string> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (DecodedCertificate.IsDecodeError(e))
        {
            return "(name unreadable)";
        }
    }

    private static RuleResult CheckCurrentlyValid(Decoded d)
    {
        var (leaf, now) = (d.Leaf, d.Input.Now);
        if (leaf.NotBefore is not { } nb || leaf.NotAfter is not { } na) return CannotCheck(ValidationRules.CurrentlyValid, leaf, "validity");
        if (now < nb) return Fail(ValidationRules.CurrentlyValid, $"not valid yet: notBefore {nb:u} is after now {now:u}");
        if (now > na) return Fail(ValidationRules.CurrentlyValid, $"expired: notAfter {na:u} is before now {now:u}");
        foreach (var ca in d.Chain)
        {
            if (ca.NotBefore is not { } caNb || ca.NotAfter is not { } caNa) return CannotCheck(ValidationRules.CurrentlyValid, ca, "validity");
            if (now < caNb) return Fail(ValidationRules.CurrentlyValid, $"CA certificate '{ca.Subject}' is not valid yet: notBefore {caNb:u} is after now {now:u}");
            if (now > caNa) return Fail(ValidationRules.CurrentlyValid, $"CA certificate '{ca.Subject}' expired: notAfter {caNa:u} is before now {now:u}");
        }
        return Pass(ValidationRules.CurrentlyValid, $"valid from {nb:u} to {na:u}");
    }

    private static RuleResult CheckOutlivesRenewBefore(Decoded d)
    {
        if (d.Input.RenewBefore is not { } renewBefore)
        {
            return new RuleResult(ValidationRules.OutlivesRenewBefore, RuleStatus.NotChecked, "no renewBefore given");
        }
        if (d.Leaf.NotAfter is not { } notAfter) return CannotCheck(ValidationRules.OutlivesRenewBefore, d.Leaf, "validity");
        var remaining = notAfter - d.Input.Now;
        return remaining > renewBefore
            ? Pass(ValidationRules.OutlivesRenewBefore, $"valid for {DurationParser.Format(remaining)}, more than renewBefore {DurationParser.Format(renewBefore)}")
            : Fail(ValidationRules.OutlivesRenewBefore,
                $"valid for only {DurationParser.Format(remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining)}, not longer than renewBefore {DurationParser.Format(renewBefore)}: it would be renewed at once, forever");
    }
}
