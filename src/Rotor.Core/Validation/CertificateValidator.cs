using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;

namespace Rotor.Core.Validation;

/// <summary>
/// The one place that decides whether a certificate may be deployed. Runs every rule and
/// reports each outcome; a certificate with any failed rule is never deployed.
/// </summary>
public static partial class CertificateValidator
{
    public static ValidationReport Validate(ValidationInput input)
    {
        var results = new List<RuleResult>(ValidationRules.All.Count)
        {
            CheckChain(input),
        };
        var (keyReadable, keyResult) = CheckKeyUnencrypted(input);
        results.Add(CheckKeyMatches(input, keyReadable));
        results.Add(CheckSansCoverSpec(input));
        results.Add(CheckSansCoverPrevious(input));
        results.Add(CheckUsages(input));
        results.Add(CheckCurrentlyValid(input));
        results.Add(CheckOutlivesRenewBefore(input));
        results.Add(CheckKeyPolicy(input));
        results.Add(CheckSignaturePolicy(input));
        results.Add(CheckLeafNotCa(input));
        results.Add(keyResult);
        results.Add(CheckNoIpSans(input));
        keyReadable?.Dispose();
        return new ValidationReport(results);
    }

    private static RuleResult Pass(string rule, string message) => new(rule, RuleStatus.Passed, message);
    private static RuleResult Fail(string rule, string message) => new(rule, RuleStatus.Failed, message);

    private static RuleResult CheckChain(ValidationInput input)
    {
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
        if (chain.Build(input.Leaf))
        {
            var path = string.Join(" <- ", chain.ChainElements.Select(e => e.Certificate.Subject));
            return Pass(ValidationRules.ChainTrusted, $"builds to the configured trust: {path}");
        }
        var elements = chain.ChainElements.Select(e => e.Certificate).ToList();
        var last = elements.Count > 0 ? elements[^1] : input.Leaf;
        var statuses = chain.ChainStatus.Select(s => s.Status).Distinct().ToList();
        if (statuses.Contains(X509ChainStatusFlags.PartialChain) && last.Subject != last.Issuer)
        {
            return Fail(ValidationRules.ChainTrusted,
                $"chain does not reach the configured trust: the issuer '{last.Issuer}' of '{last.Subject}' is missing (an intermediate is not present in the chain)");
        }
        var detail = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        return Fail(ValidationRules.ChainTrusted, $"chain does not build to the configured trust ({detail}); top of chain: '{last.Subject}'");
    }

    private static RuleResult CheckSansCoverSpec(ValidationInput input)
    {
        var have = CertificateNames.Read(input.Leaf);
        var missing = input.RequiredNames.Where(n => !CertificateNames.Covers(have, n)).ToList();
        return missing.Count == 0
            ? Pass(ValidationRules.SansCoverSpec, $"covers the {input.RequiredNames.Count} name(s) of the spec")
            : Fail(ValidationRules.SansCoverSpec, $"names in the spec missing from the certificate: {string.Join(", ", missing)}");
    }

    private static RuleResult CheckSansCoverPrevious(ValidationInput input)
    {
        if (input.PreviousNames is null)
        {
            return new RuleResult(ValidationRules.SansCoverPrevious, RuleStatus.NotChecked, "no previous version");
        }
        var have = CertificateNames.Read(input.Leaf);
        var missing = input.PreviousNames
            .Where(n => !input.RemovedNames.Contains(n) && !CertificateNames.Covers(have, n))
            .ToList();
        return missing.Count == 0
            ? Pass(ValidationRules.SansCoverPrevious, "covers every name of the previous version")
            : Fail(ValidationRules.SansCoverPrevious,
                $"names of the previous version missing from the new one (peers that use them would fail): {string.Join(", ", missing)}");
    }

    private static RuleResult CheckUsages(ValidationInput input)
    {
        var problems = new List<string>();
        var eku = input.Leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        var ekuOids = eku?.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToHashSet() ?? [];
        foreach (var usage in input.RequiredUsages)
        {
            var oid = Usages.EkuOid(usage);
            if (oid is not null && !ekuOids.Contains(oid))
            {
                problems.Add($"extended key usage '{usage}' ({oid}) is missing");
            }
        }
        var ku = input.Leaf.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (ku is not null && (ku.KeyUsages & X509KeyUsageFlags.DigitalSignature) == 0)
        {
            problems.Add("key usage lacks digitalSignature, which TLS handshakes need");
        }
        if (ku is not null && input.RequiredUsages.Contains(Usages.KeyEncipherment) && (ku.KeyUsages & X509KeyUsageFlags.KeyEncipherment) == 0)
        {
            problems.Add("key usage lacks keyEncipherment, which the spec asks for");
        }
        return problems.Count == 0
            ? Pass(ValidationRules.Usages, $"has {string.Join(", ", input.RequiredUsages)}")
            : Fail(ValidationRules.Usages, string.Join("; ", problems));
    }

    private static RuleResult CheckCurrentlyValid(ValidationInput input)
    {
        var nb = new DateTimeOffset(input.Leaf.NotBefore.ToUniversalTime());
        var na = new DateTimeOffset(input.Leaf.NotAfter.ToUniversalTime());
        if (input.Now < nb) return Fail(ValidationRules.CurrentlyValid, $"not valid yet: notBefore {nb:u} is after now {input.Now:u}");
        if (input.Now > na) return Fail(ValidationRules.CurrentlyValid, $"expired: notAfter {na:u} is before now {input.Now:u}");
        foreach (var ca in input.Chain)
        {
            var caNb = new DateTimeOffset(ca.NotBefore.ToUniversalTime());
            var caNa = new DateTimeOffset(ca.NotAfter.ToUniversalTime());
            if (input.Now < caNb) return Fail(ValidationRules.CurrentlyValid, $"CA certificate '{ca.Subject}' is not valid yet: notBefore {caNb:u} is after now {input.Now:u}");
            if (input.Now > caNa) return Fail(ValidationRules.CurrentlyValid, $"CA certificate '{ca.Subject}' expired: notAfter {caNa:u} is before now {input.Now:u}");
        }
        return Pass(ValidationRules.CurrentlyValid, $"valid from {nb:u} to {na:u}");
    }

    private static RuleResult CheckOutlivesRenewBefore(ValidationInput input)
    {
        if (input.RenewBefore is not { } renewBefore)
        {
            return new RuleResult(ValidationRules.OutlivesRenewBefore, RuleStatus.NotChecked, "no renewBefore given");
        }
        var remaining = new DateTimeOffset(input.Leaf.NotAfter.ToUniversalTime()) - input.Now;
        return remaining > renewBefore
            ? Pass(ValidationRules.OutlivesRenewBefore, $"valid for {DurationParser.Format(remaining)}, more than renewBefore {DurationParser.Format(renewBefore)}")
            : Fail(ValidationRules.OutlivesRenewBefore,
                $"valid for only {DurationParser.Format(remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining)}, not longer than renewBefore {DurationParser.Format(renewBefore)}: it would be renewed at once, forever");
    }

    private static RuleResult CheckLeafNotCa(ValidationInput input)
    {
        var bc = input.Leaf.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        return bc is { CertificateAuthority: true }
            ? Fail(ValidationRules.LeafNotCa, "the leaf is a CA certificate (basicConstraints cA=TRUE); peers would refuse it as an end-entity")
            : Pass(ValidationRules.LeafNotCa, "the leaf is an end-entity certificate");
    }

    private static RuleResult CheckNoIpSans(ValidationInput input)
    {
        if (!input.SecureMode)
        {
            return new RuleResult(ValidationRules.NoIpSansSecureMode, RuleStatus.NotChecked, "secure mode is off");
        }
        var ips = CertificateNames.Read(input.Leaf).Where(n => n.StartsWith("IP:", StringComparison.Ordinal)).ToList();
        return ips.Count == 0
            ? Pass(ValidationRules.NoIpSansSecureMode, "no IP address names")
            : Fail(ValidationRules.NoIpSansSecureMode, $"secure mode forbids IP address names: {string.Join(", ", ips)}");
    }
}
