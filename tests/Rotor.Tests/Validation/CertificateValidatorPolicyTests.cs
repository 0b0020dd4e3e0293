using System.Net;
using System.Security.Cryptography;
using Rotor.Core.Resources;
using Rotor.Core.Validation;
using static Rotor.Tests.Validation.ValidationFixtures;

namespace Rotor.Tests.Validation;

/// <summary>One broken input per rule for time, key and signature policy, CA flag and IP names.</summary>
public sealed class CertificateValidatorPolicyTests
{
    [Fact]
    public void Ca_certificates_of_the_test_pki_are_valid_now()
    {
        foreach (var ca in new[] { TestPki.Root, TestPki.Intermediate })
        {
            Assert.True(ca.Certificate.NotBefore.ToUniversalTime() < TestPki.Now.UtcDateTime);
            Assert.True(ca.Certificate.NotAfter.ToUniversalTime() > TestPki.Now.UtcDateTime);
        }
    }

    [Fact]
    public void Expired_leaf_fails_currently_valid_only()
    {
        // An expired leaf cannot outlive renewBefore either; without renewBefore that rule is not checked.
        var input = GoodWith(new LeafOptions { NotBefore = TestPki.Now.AddDays(-100), NotAfter = TestPki.Now.AddDays(-1) })
            with { RenewBefore = null };

        var report = CertificateValidator.Validate(input);

        AssertOnlyFailure(report, ValidationRules.CurrentlyValid, "expired", "notAfter");
        Assert.Equal(RuleStatus.Passed, Result(report, ValidationRules.ChainTrusted).Status);
    }

    [Fact]
    public void Not_yet_valid_leaf_fails_currently_valid_only()
    {
        var input = GoodWith(new LeafOptions { NotBefore = TestPki.Now.AddDays(1), NotAfter = TestPki.Now.AddDays(90) });

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.CurrentlyValid, "not valid yet", "notBefore");
    }

    [Fact]
    public void Leaf_valid_for_less_than_renew_before_fails_outlives_renew_before_only()
    {
        var input = GoodWith(new LeafOptions { NotAfter = TestPki.Now.AddDays(20) });

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.OutlivesRenewBefore, "renewBefore", "only");
    }

    [Fact]
    public void Leaf_valid_for_exactly_renew_before_fails_outlives_renew_before_only()
    {
        var input = GoodWith(new LeafOptions { NotAfter = TestPki.Now + RenewBefore });

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.OutlivesRenewBefore, "renewBefore");
    }

    [Fact]
    public void No_renew_before_leaves_outlives_renew_before_not_checked()
    {
        var report = CertificateValidator.Validate(Good() with { RenewBefore = null });

        Assert.True(report.Passed);
        Assert.Equal(RuleStatus.NotChecked, Result(report, ValidationRules.OutlivesRenewBefore).Status);
    }

    [Fact]
    public void Rsa_1024_leaf_fails_key_policy_only()
    {
        var input = GoodWith(new LeafOptions { KeyType = TestKeyType.Rsa1024 }) with
        {
            ExpectedKey = new PrivateKeySpec { Algorithm = KeyAlgorithm.Rsa, Size = 1024 },
        };

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.KeyPolicy, "RSA", "1024", "minimum 2048");
    }

    [Fact]
    public void Key_other_than_the_spec_asks_fails_key_policy_only()
    {
        var input = GoodWith(new LeafOptions { KeyType = TestKeyType.EcP384 });

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.KeyPolicy, "spec asks for ECDSA P-256", "ECDSA P-384");
    }

    [Fact]
    public void Rsa_leaf_where_spec_asks_for_ecdsa_fails_key_policy_only()
    {
        var input = GoodWith(new LeafOptions { KeyType = TestKeyType.Rsa2048 });

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.KeyPolicy, "ECDSA P-256", "RSA 2048");
    }

    [Fact]
    public void Sha1_signed_leaf_fails_signature_policy_only()
    {
        var leaf = TestPki.CreateLeaf(new LeafOptions { Hash = HashAlgorithmName.SHA1 });
        Assert.Equal(Sha1RsaSignatureGenerator.Sha1WithRsaOid, leaf.Certificate.SignatureAlgorithm.Value);

        var failure = AssertOnlyFailure(CertificateValidator.Validate(Good(leaf)), ValidationRules.SignaturePolicy, "SHA-1", "weak");
        Assert.Contains("sip.example.com", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sha1_signed_intermediate_fails_signature_policy_only()
    {
        var weakCa = TestPki.CreateIntermediate(TestPki.Root, "CN=Rotor Test SHA-1 Intermediate, O=Rotor Test", hash: HashAlgorithmName.SHA1);
        var leaf = TestPki.CreateLeaf(new LeafOptions { Issuer = weakCa });
        var input = Good(leaf) with { Chain = [weakCa.Certificate, TestPki.Root.Certificate] };

        var failure = AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.SignaturePolicy, "SHA-1");
        Assert.Contains("Rotor Test SHA-1 Intermediate", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("CN=sip.example.com", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Leaf_with_ca_basic_constraints_fails_leaf_not_ca_only()
    {
        var input = GoodWith(new LeafOptions { IsCa = true });

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.LeafNotCa, "CA", "cA=TRUE");
    }

    [Fact]
    public void Leaf_without_basic_constraints_passes_leaf_not_ca()
    {
        AssertAllPassed(CertificateValidator.Validate(GoodWith(new LeafOptions { IsCa = null })));
    }

    [Fact]
    public void Ip_san_in_secure_mode_fails_no_ip_sans_only()
    {
        var input = GoodWith(new LeafOptions { IpAddresses = [IPAddress.Parse("192.0.2.10")] });

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.NoIpSansSecureMode, "secure mode", "IP:192.0.2.10");
    }

    [Fact]
    public void Ip_san_without_secure_mode_is_not_checked()
    {
        var input = GoodWith(new LeafOptions { IpAddresses = [IPAddress.Parse("192.0.2.10")] }) with { SecureMode = false };

        var report = CertificateValidator.Validate(input);

        Assert.True(report.Passed);
        Assert.Equal(RuleStatus.NotChecked, Result(report, ValidationRules.NoIpSansSecureMode).Status);
    }
}
