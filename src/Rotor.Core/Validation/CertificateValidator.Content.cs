using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;

namespace Rotor.Core.Validation;

/// <summary>The rules on what the leaf says: names, usages, basicConstraints, signature algorithms.</summary>
public static partial class CertificateValidator
{
    private static readonly HashSet<string> WeakSignatureOids =
    [
        "1.2.840.113549.1.1.4", // md5WithRSAEncryption
        "1.2.840.113549.1.1.5", // sha1WithRSAEncryption
        "1.2.840.10045.4.1",    // ecdsa-with-SHA1
        "1.2.840.10040.4.3",    // dsa-with-sha1
    ];

    private static readonly string SanPart = DecodedCertificate.PartFor(DecodedCertificate.SubjectAltNameOid);

    private static RuleResult CheckSansCoverSpec(Decoded d)
    {
        if (d.Leaf.Names is not { } have) return CannotCheck(ValidationRules.SansCoverSpec, d.Leaf, SanPart);
        var required = d.Input.RequiredNames;
        var missing = required.Where(n => !CertificateNames.Covers(have, n)).ToList();
        return missing.Count == 0
            ? Pass(ValidationRules.SansCoverSpec, $"covers the {required.Count} name(s) of the spec")
            : Fail(ValidationRules.SansCoverSpec, $"names in the spec missing from the certificate: {string.Join(", ", missing)}");
    }

    private static RuleResult CheckSansCoverPrevious(Decoded d)
    {
        var input = d.Input;
        if (input.PreviousNames is null)
        {
            return new RuleResult(ValidationRules.SansCoverPrevious, RuleStatus.NotChecked, "no previous version");
        }
        if (d.Leaf.Names is not { } have) return CannotCheck(ValidationRules.SansCoverPrevious, d.Leaf, SanPart);
        var missing = input.PreviousNames
            .Where(n => !input.RemovedNames.Contains(n) && !CertificateNames.Covers(have, n))
            .ToList();
        return missing.Count == 0
            ? Pass(ValidationRules.SansCoverPrevious, "covers every name of the previous version")
            : Fail(ValidationRules.SansCoverPrevious,
                $"names of the previous version missing from the new one (peers that use them would fail): {string.Join(", ", missing)}");
    }

    private static RuleResult CheckUsages(Decoded d)
    {
        var (leaf, required) = (d.Leaf, d.Input.RequiredUsages);
        foreach (var part in new[] { "extensions", DecodedCertificate.PartFor(DecodedCertificate.ExtendedKeyUsageOid), DecodedCertificate.PartFor(DecodedCertificate.KeyUsageOid) })
        {
            if (leaf.IsMalformed(part)) return CannotCheck(ValidationRules.Usages, leaf, part);
        }
        var problems = new List<string>();
        var ekus = leaf.Ekus ?? new HashSet<string>();
        foreach (var usage in required)
        {
            var oid = Usages.EkuOid(usage);
            if (oid is not null && !ekus.Contains(oid))
            {
                problems.Add($"extended key usage '{usage}' ({oid}) is missing");
            }
        }
        if (leaf.KeyUsage is { } ku && (ku & X509KeyUsageFlags.DigitalSignature) == 0)
        {
            problems.Add("key usage lacks digitalSignature, which TLS handshakes need");
        }
        if (leaf.KeyUsage is { } ku2 && required.Contains(Usages.KeyEncipherment) && (ku2 & X509KeyUsageFlags.KeyEncipherment) == 0)
        {
            problems.Add("key usage lacks keyEncipherment, which the spec asks for");
        }
        return problems.Count == 0
            ? Pass(ValidationRules.Usages, $"has {string.Join(", ", required)}")
            : Fail(ValidationRules.Usages, string.Join("; ", problems));
    }

    private static RuleResult CheckSignaturePolicy(Decoded d)
    {
        // A root's own signature is not relied on (it is trusted as configured), so it is not judged.
        var judged = d.All.Where(c => c == d.Leaf || !c.SelfIssued).ToList();
        if (judged.FirstOrDefault(c => c.SignatureAlgorithm is null) is { } unreadable)
        {
            return CannotCheck(ValidationRules.SignaturePolicy, unreadable, "signature algorithm");
        }
        var weak = judged
            .Where(c => WeakSignatureOids.Contains(c.SignatureAlgorithm!.Value ?? ""))
            .Select(c => $"'{c.Subject}' is signed with {NameOf(c.SignatureAlgorithm!)}")
            .ToList();
        return weak.Count == 0
            ? Pass(ValidationRules.SignaturePolicy, $"signed with {NameOf(d.Leaf.SignatureAlgorithm!)}")
            : Fail(ValidationRules.SignaturePolicy, "weak signature algorithm (SHA-1/MD5): " + string.Join("; ", weak));
    }

    private static string NameOf(System.Security.Cryptography.Oid oid) => oid.FriendlyName ?? oid.Value ?? "an unnamed algorithm";

    private static RuleResult CheckLeafNotCa(Decoded d)
    {
        if (d.Leaf.IsCa is not { } isCa) return CannotCheck(ValidationRules.LeafNotCa, d.Leaf, DecodedCertificate.PartFor(DecodedCertificate.BasicConstraintsOid));
        return isCa
            ? Fail(ValidationRules.LeafNotCa, "the leaf is a CA certificate (basicConstraints cA=TRUE); peers would refuse it as an end-entity")
            : Pass(ValidationRules.LeafNotCa, "the leaf is an end-entity certificate");
    }

    private static RuleResult CheckNoIpSans(Decoded d)
    {
        if (!d.Input.SecureMode)
        {
            return new RuleResult(ValidationRules.NoIpSansSecureMode, RuleStatus.NotChecked, "secure mode is off");
        }
        if (d.Leaf.Names is not { } names) return CannotCheck(ValidationRules.NoIpSansSecureMode, d.Leaf, SanPart);
        var ips = names.Where(n => n.StartsWith("IP:", StringComparison.Ordinal)).ToList();
        return ips.Count == 0
            ? Pass(ValidationRules.NoIpSansSecureMode, "no IP address names")
            : Fail(ValidationRules.NoIpSansSecureMode, $"secure mode forbids IP address names: {string.Join(", ", ips)}");
    }
}
