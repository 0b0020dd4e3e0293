using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Validation;
using Rotor.Tests.Certificates;
using static Rotor.Tests.Validation.ValidationFixtures;

namespace Rotor.Tests.Validation;

/// <summary>
/// Malformed content fails named rules: malformed-certificate says what did not decode and where,
/// and each rule that needed it fails instead of throwing.
/// </summary>
public sealed class MalformedCertificateTests
{
    public static TheoryData<string> ClassNames() => [.. MalformedCertificates.Classes().Select(c => c.Name)];

    private static MalformedCase Class(string name) => MalformedCertificates.Classes().Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(ClassNames))]
    public void Each_malformed_class_fails_its_rule_with_the_part_named_and_never_throws(string name)
    {
        var c = Class(name);

        var report = CertificateValidator.Validate(Good(c.Leaf));

        Assert.Equal(ValidationRules.All, report.Results.Select(r => r.Rule));
        Assert.False(report.Passed);
        var failed = Result(report, c.Rule);
        Assert.Equal(RuleStatus.Failed, failed.Status);
        var mentions = report.Failures.Where(f => f.Message.Contains(c.Part, StringComparison.Ordinal)).ToList();
        Assert.True(mentions.Count > 0, $"no failure names {c.Part}: {report.Summary()}");
    }

    [Fact]
    public void A_five_byte_ip_address_is_named_with_its_length()
    {
        var report = CertificateValidator.Validate(Good(MalformedCertificates.Leaf(MalformedCertificates.FiveByteIp)));

        var malformed = Result(report, ValidationRules.MalformedCertificate);
        Assert.Equal(RuleStatus.Failed, malformed.Status);
        Assert.Contains("leaf 'CN=sip.example.com, O=Rotor Test': subjectAltName (2.5.29.17): an iPAddress of 5 bytes (must be 4 or 16)", malformed.Message, StringComparison.Ordinal);
        foreach (var rule in new[] { ValidationRules.SansCoverSpec, ValidationRules.SansCoverPrevious, ValidationRules.NoIpSansSecureMode })
        {
            var r = Result(report, rule);
            Assert.Equal(RuleStatus.Failed, r.Status);
            Assert.Contains("cannot be checked", r.Message, StringComparison.Ordinal);
        }
        // The rest of the certificate is fine, and its rules say so.
        Assert.Equal(RuleStatus.Passed, Result(report, ValidationRules.ChainTrusted).Status);
        Assert.Equal(RuleStatus.Passed, Result(report, ValidationRules.KeyMatches).Status);
    }

    [Fact]
    public void Every_malformed_part_is_reported_not_just_the_first()
    {
        var leaf = MalformedCertificates.Leaf(MalformedCertificates.FiveByteIp, MalformedCertificates.TruncatedEku,
            MalformedCertificates.TruncatedKu, MalformedCertificates.TruncatedBc);

        var report = CertificateValidator.Validate(Good(leaf));

        var malformed = Result(report, ValidationRules.MalformedCertificate).Message;
        foreach (var part in new[] { "subjectAltName (2.5.29.17)", "extendedKeyUsage (2.5.29.37)", "keyUsage (2.5.29.15)", "basicConstraints (2.5.29.19)" })
        {
            Assert.Contains(part, malformed, StringComparison.Ordinal);
        }
        Assert.Equal(RuleStatus.Failed, Result(report, ValidationRules.Usages).Status);
        Assert.Equal(RuleStatus.Failed, Result(report, ValidationRules.LeafNotCa).Status);
    }

    [Fact]
    public void A_malformed_chain_certificate_is_named_by_its_place_in_the_chain()
    {
        var badCa = TestPki.CreateIntermediate(TestPki.Root, "CN=Rotor Test Bad Intermediate, O=Rotor Test", extraExtensions: [MalformedCertificates.TruncatedEku]);
        var leaf = TestPki.CreateLeaf(new LeafOptions { Issuer = badCa });

        var report = CertificateValidator.Validate(Good(leaf) with { Chain = [badCa.Certificate, TestPki.Root.Certificate] });

        var malformed = Result(report, ValidationRules.MalformedCertificate);
        Assert.Equal(RuleStatus.Failed, malformed.Status);
        Assert.Contains("chain certificate 1 'CN=Rotor Test Bad Intermediate, O=Rotor Test': extendedKeyUsage (2.5.29.37)", malformed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("leaf", malformed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repeated_extension_is_malformed_and_its_rules_cannot_pass()
    {
        var report = CertificateValidator.Validate(Good(MalformedCertificates.TwoSans()));

        Assert.Contains("subjectAltName (2.5.29.17): appears more than once", Result(report, ValidationRules.MalformedCertificate).Message, StringComparison.Ordinal);
        Assert.Equal(RuleStatus.Failed, Result(report, ValidationRules.SansCoverSpec).Status);
    }

    [Fact]
    public void An_unknown_curve_fails_key_policy_naming_the_curve()
    {
        var leaf = TestPki.CreateLeaf(new LeafOptions { PublicKey = MalformedCertificates.UnknownCurveKey() });

        var report = CertificateValidator.Validate(Good(leaf));

        var policy = Result(report, ValidationRules.KeyPolicy);
        Assert.Equal(RuleStatus.Failed, policy.Status);
        Assert.Contains("curve 1.2.3.4.5", policy.Message, StringComparison.Ordinal);
        Assert.Equal(RuleStatus.Failed, Result(report, ValidationRules.KeyMatches).Status);
        // OpenSSL refuses to build a chain over this key (an exception, caught as a failed rule).
        Assert.Equal(RuleStatus.Failed, Result(report, ValidationRules.ChainTrusted).Status);
        Assert.Null(CertificateValidator.DescribeKey(leaf.Certificate).Algorithm);
    }

    [Fact]
    public void A_not_before_that_does_not_decode_fails_currently_valid()
    {
        var report = CertificateValidator.Validate(Good(MalformedCertificates.Month13()));

        Assert.Contains("leaf 'CN=sip.example.com, O=Rotor Test': validity: does not decode", Result(report, ValidationRules.MalformedCertificate).Message, StringComparison.Ordinal);
        var valid = Result(report, ValidationRules.CurrentlyValid);
        Assert.Equal(RuleStatus.Failed, valid.Status);
        Assert.Contains("cannot be checked: the validity of the leaf", valid.Message, StringComparison.Ordinal);
        // notAfter still reads, so the rule that needs only it is decided.
        Assert.Equal(RuleStatus.Passed, Result(report, ValidationRules.OutlivesRenewBefore).Status);
    }

    [Fact]
    public void A_chain_of_5000_certificates_fails_chain_length_in_bounded_time()
    {
        var input = Good() with { Chain = [.. Enumerable.Repeat(TestPki.Intermediate.Certificate, 5000)] };

        var clock = Stopwatch.StartNew();
        var report = CertificateValidator.Validate(input);
        clock.Stop();

        var length = Result(report, ValidationRules.ChainLength);
        Assert.Equal(RuleStatus.Failed, length.Status);
        Assert.Contains("5000 certificates, more than 10", length.Message, StringComparison.Ordinal);
        Assert.Equal(RuleStatus.Failed, Result(report, ValidationRules.ChainTrusted).Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_chain_at_the_cap_passes_chain_length()
    {
        var input = Good() with { Chain = [.. Enumerable.Repeat(TestPki.Intermediate.Certificate, CertificateValidator.MaxChainLength - 1), TestPki.Root.Certificate] };

        Assert.Equal(RuleStatus.Passed, Result(CertificateValidator.Validate(input), ValidationRules.ChainLength).Status);
    }

    [Fact]
    public void Decode_problems_found_while_reading_fail_malformed_certificate()
    {
        var report = CertificateValidator.Validate(Good() with { DecodeProblems = ["--chain: certificate 2 (line 31) is not a DER X.509 certificate"] });

        AssertOnlyFailure(report, ValidationRules.MalformedCertificate, "--chain: certificate 2 (line 31)");
    }

    [Fact]
    public void A_leaf_that_does_not_decode_gives_a_report_of_every_rule_with_malformed_certificate_failed()
    {
        var report = CertificateValidator.NotDecodable(["--cert: certificate 1 (line 1) is not a DER X.509 certificate"]);

        var failure = AssertOnlyFailure(report, ValidationRules.MalformedCertificate, "certificate 1 (line 1)");
        Assert.All(report.Results.Where(r => r != failure), r => Assert.Equal(RuleStatus.NotChecked, r.Status));
    }

    [Fact]
    public void Every_single_byte_flip_of_a_small_certificate_fails_a_named_rule_or_does_not_load()
    {
        var leaf = MalformedCertificates.SmallLeaf();
        var (loaded, refused) = (0, 0);
        foreach (var (index, der) in MalformedCertificates.ByteFlips(leaf.Certificate.RawData))
        {
            X509Certificate2 flipped;
            try
            {
                flipped = X509CertificateLoader.LoadCertificate(der);
            }
            catch (CryptographicException)
            {
                refused++; // PemReader lists it as undecodable: malformed-certificate (see PemReaderTests)
                continue;
            }
            loaded++;
            var report = CertificateValidator.Validate(Good(leaf with { Certificate = flipped }) with { RequiredNames = Names("DNS:s.example"), PreviousNames = null, RequiredUsages = ["server auth"] });
            Assert.Equal(ValidationRules.All, report.Results.Select(r => r.Rule));
            // Any change breaks the issuer's signature, so no flip may pass.
            Assert.False(report.Passed, $"flip of byte {index} passed");
        }
        Assert.True(loaded > 100 && refused > 50, $"loaded {loaded}, refused {refused}");
    }

    [Fact]
    public void Names_TryRead_reports_a_malformed_san_and_Read_throws_a_cryptographic_exception()
    {
        var leaf = MalformedCertificates.Leaf(MalformedCertificates.FiveByteIp);

        Assert.False(CertificateNames.TryRead(leaf.Certificate, out var names, out var problem));
        Assert.Empty(names);
        Assert.Contains("5 bytes", problem, StringComparison.Ordinal);
        var e = Assert.Throws<CryptographicException>(() => CertificateNames.Read(leaf.Certificate));
        Assert.Contains("subjectAltName", e.Message, StringComparison.Ordinal);
    }
}
