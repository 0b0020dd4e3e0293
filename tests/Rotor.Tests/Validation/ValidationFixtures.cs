using Rotor.Core.Resources;
using Rotor.Core.Validation;

namespace Rotor.Tests.Validation;

/// <summary>The good baseline input and assertions shared by the validator tests.</summary>
public static class ValidationFixtures
{
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    public static IReadOnlySet<string> Names(params string[] names) => new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A leaf from the intermediate, chain = intermediate + root, trust = root, unencrypted PKCS#8 key,
    /// every required and previous name covered, server+client auth, 80 days left against renewBefore 30 days,
    /// secure mode on. Passes every rule.
    /// </summary>
    public static ValidationInput Good(TestLeaf? leaf = null)
    {
        var l = leaf ?? TestPki.CreateLeaf();
        return new ValidationInput
        {
            Leaf = l.Certificate,
            Chain = [TestPki.Intermediate.Certificate, TestPki.Root.Certificate],
            TrustAnchors = [TestPki.Root.Certificate],
            PrivateKeyPem = l.KeyPem,
            RequiredNames = Names("DNS:sip.example.com", "DNS:a.edge.example.com", "URI:sip:sip.example.com"),
            PreviousNames = Names("DNS:sip.example.com", "DNS:b.edge.example.com"),
            RemovedNames = Names(),
            RequiredUsages = [Usages.ServerAuth, Usages.ClientAuth],
            RenewBefore = RenewBefore,
            ExpectedKey = new PrivateKeySpec { Algorithm = KeyAlgorithm.Ecdsa, Size = 256 },
            KeyPolicy = KeyPolicy.Default,
            SecureMode = true,
            Now = TestPki.Now,
        };
    }

    /// <summary>The good input around a leaf made with <paramref name="options"/>.</summary>
    public static ValidationInput GoodWith(LeafOptions options) => Good(TestPki.CreateLeaf(options));

    /// <summary>
    /// Asserts the report has one result per rule, in order, that <paramref name="rule"/> is the only failure,
    /// that its message is non-empty and mentions each of <paramref name="mentions"/> (case-insensitive),
    /// and that the report did not pass. Returns the failure.
    /// </summary>
    public static RuleResult AssertOnlyFailure(ValidationReport report, string rule, params string[] mentions)
    {
        Assert.Equal(ValidationRules.All, report.Results.Select(r => r.Rule));
        var failure = Assert.Single(report.Failures);
        Assert.True(failure.Rule == rule, $"expected only {rule} to fail; got {failure.Rule}: {failure.Message}");
        Assert.False(string.IsNullOrWhiteSpace(failure.Message));
        foreach (var m in mentions)
        {
            Assert.Contains(m, failure.Message, StringComparison.OrdinalIgnoreCase);
        }
        Assert.False(report.Passed);
        Assert.Contains(rule, report.Summary(), StringComparison.Ordinal);
        return failure;
    }

    public static RuleResult Result(ValidationReport report, string rule) => Assert.Single(report.Results, r => r.Rule == rule);

    /// <summary>Asserts every rule passed; the message lists any that did not.</summary>
    public static void AssertAllPassed(ValidationReport report)
    {
        Assert.Equal(ValidationRules.All, report.Results.Select(r => r.Rule));
        var notPassed = report.Results.Where(r => r.Status != RuleStatus.Passed).Select(r => $"{r.Rule}={r.Status}: {r.Message}").ToList();
        Assert.True(notPassed.Count == 0, string.Join("\n", notPassed));
        Assert.True(report.Passed);
    }
}
