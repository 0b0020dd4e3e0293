using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;

namespace Rotor.Core.Validation;

/// <summary>
/// The one place that decides whether a certificate may be deployed. Runs every rule and
/// reports each outcome; a certificate with any failed rule is never deployed. Total: content
/// that does not decode fails <see cref="ValidationRules.MalformedCertificate"/> and the rules
/// that needed it, and no input makes it throw.
/// </summary>
public static partial class CertificateValidator
{
    /// <summary>Most CA certificates a chain may hold; real chains hold one to three.</summary>
    public const int MaxChainLength = 10;

    public static ValidationReport Validate(ValidationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // Past the cap no chain certificate is looked at, so a huge chain costs no more than a long one.
        var chain = input.Chain.Take(MaxChainLength).Select((c, i) => DecodedCertificate.Decode(c, $"chain certificate {i + 1}")).ToList();
        var d = new Decoded(input, DecodedCertificate.Decode(input.Leaf, "leaf"), chain);
        var (key, keyResult) = CheckKeyUnencrypted(input);
        IReadOnlyList<X509Certificate2> trustPath = [];
        var results = new List<RuleResult>(ValidationRules.All.Count)
        {
            Guard(ValidationRules.ChainTrusted, () =>
            {
                var (result, path) = CheckChain(d);
                trustPath = path;
                return result;
            }),
            Guard(ValidationRules.KeyMatches, () => CheckKeyMatches(d, key)),
            Guard(ValidationRules.SansCoverSpec, () => CheckSansCoverSpec(d)),
            Guard(ValidationRules.SansCoverPrevious, () => CheckSansCoverPrevious(d)),
            Guard(ValidationRules.Usages, () => CheckUsages(d)),
            Guard(ValidationRules.CurrentlyValid, () => CheckCurrentlyValid(d)),
            Guard(ValidationRules.OutlivesRenewBefore, () => CheckOutlivesRenewBefore(d)),
            Guard(ValidationRules.KeyPolicy, () => CheckKeyPolicy(d)),
            Guard(ValidationRules.SignaturePolicy, () => CheckSignaturePolicy(d)),
            Guard(ValidationRules.LeafNotCa, () => CheckLeafNotCa(d)),
            keyResult,
            Guard(ValidationRules.NoIpSansSecureMode, () => CheckNoIpSans(d)),
            CheckChainLength(input),
            CheckMalformed(d),
        };
        key?.Dispose();
        return new ValidationReport(results) { TrustPath = trustPath };
    }

    /// <summary>
    /// The report for a leaf that does not decode as a certificate at all: malformed-certificate
    /// fails with <paramref name="problems"/> (the leaf's and any other's); no other rule can run.
    /// </summary>
    public static ValidationReport NotDecodable(IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return new ValidationReport([.. ValidationRules.All.Select(rule => rule == ValidationRules.MalformedCertificate
            ? Fail(rule, string.Join("; ", problems))
            : new RuleResult(rule, RuleStatus.NotChecked, "not checked: the leaf certificate does not decode (see malformed-certificate)"))]);
    }

    /// <summary>The certificates as the rules read them.</summary>
    private sealed record Decoded(ValidationInput Input, DecodedCertificate Leaf, IReadOnlyList<DecodedCertificate> Chain)
    {
        public IEnumerable<DecodedCertificate> All => Chain.Prepend(Leaf);
    }

    private static RuleResult Pass(string rule, string message) => new(rule, RuleStatus.Passed, message);
    private static RuleResult Fail(string rule, string message) => new(rule, RuleStatus.Failed, message);

    /// <summary>A rule that cannot be decided because the content it needs is malformed fails; it never passes.</summary>
    private static RuleResult CannotCheck(string rule, DecodedCertificate certificate, string part) =>
        Fail(rule, $"cannot be checked: the {part} of the {certificate.Describe()} does not decode (see malformed-certificate)");

    /// <summary>
    /// Runs one rule; a decode error the rule did not foresee fails that rule rather than the whole
    /// validation. Only the exception's kind is reported: key rules must not echo content.
    /// </summary>
    private static RuleResult Guard(string rule, Func<RuleResult> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (DecodedCertificate.IsDecodeError(e))
        {
            return Fail(rule, $"cannot be checked: malformed content ({e.GetType().Name}); see malformed-certificate");
        }
    }

    private static RuleResult CheckChainLength(ValidationInput input) => input.Chain.Count <= MaxChainLength
        ? Pass(ValidationRules.ChainLength, $"{input.Chain.Count} CA certificate(s), at most {MaxChainLength}")
        : Fail(ValidationRules.ChainLength,
            $"the chain holds {input.Chain.Count} certificates, more than {MaxChainLength}; only the first {MaxChainLength} were examined and the chain was not built");

    private static RuleResult CheckMalformed(Decoded d)
    {
        var problems = d.Input.DecodeProblems.Concat(d.All.SelectMany(c => c.Problems.Select(p => $"{c.Describe()}: {p.Part}: {p.Detail}"))).ToList();
        return problems.Count == 0
            ? Pass(ValidationRules.MalformedCertificate, $"the leaf and {d.Chain.Count} chain certificate(s) decode")
            : Fail(ValidationRules.MalformedCertificate, string.Join("; ", problems));
    }
}
