namespace Rotor.Core.Validation;

/// <summary>The pre-deploy rules, by the id that reports and events carry.</summary>
public static class ValidationRules
{
    public const string ChainTrusted = "chain-trusted";
    public const string KeyMatches = "key-matches";
    public const string SansCoverSpec = "sans-cover-spec";
    public const string SansCoverPrevious = "sans-cover-previous";
    public const string Usages = "usages";
    public const string CurrentlyValid = "currently-valid";
    public const string OutlivesRenewBefore = "outlives-renew-before";
    public const string KeyPolicy = "key-policy";
    public const string SignaturePolicy = "signature-policy";
    public const string LeafNotCa = "leaf-not-ca";
    public const string KeyUnencrypted = "key-unencrypted";
    public const string NoIpSansSecureMode = "no-ip-sans-secure-mode";

    /// <summary>The chain holds at most <see cref="CertificateValidator.MaxChainLength"/> CA certificates.</summary>
    public const string ChainLength = "chain-length";

    /// <summary>Every certificate decodes: each extension, key and name the rules read (which part, which certificate).</summary>
    public const string MalformedCertificate = "malformed-certificate";

    public static readonly IReadOnlyList<string> All =
    [
        ChainTrusted, KeyMatches, SansCoverSpec, SansCoverPrevious, Usages, CurrentlyValid,
        OutlivesRenewBefore, KeyPolicy, SignaturePolicy, LeafNotCa, KeyUnencrypted, NoIpSansSecureMode,
        ChainLength, MalformedCertificate,
    ];
}

public enum RuleStatus
{
    Passed,
    Failed,
    NotChecked,
}

public sealed record RuleResult(string Rule, RuleStatus Status, string Message);

/// <summary>Every rule's outcome for one certificate; deployable only when none failed.</summary>
public sealed record ValidationReport(IReadOnlyList<RuleResult> Results)
{
    public bool Passed => Results.All(r => r.Status != RuleStatus.Failed);
    public IEnumerable<RuleResult> Failures => Results.Where(r => r.Status == RuleStatus.Failed);

    /// <summary>
    /// The CA certificates the chain was built through, above the leaf, up to and including the
    /// trust anchor it reached (which the issuer may not have sent); empty when it did not build.
    /// </summary>
    public IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> TrustPath { get; init; } = [];

    public string Summary() => Passed
        ? $"all {Results.Count(r => r.Status == RuleStatus.Passed)} checked rules passed"
        : string.Join("; ", Failures.Select(f => $"{f.Rule}: {f.Message}"));
}

/// <summary>Minimum key strength and the algorithms a certificate may use.</summary>
public sealed record KeyPolicy(int MinimumRsaBits = 2048, int MinimumEcBits = 256)
{
    public static readonly KeyPolicy Default = new();
}
