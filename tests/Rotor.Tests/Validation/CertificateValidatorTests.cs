using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;
using Rotor.Core.Validation;
using static Rotor.Tests.Validation.ValidationFixtures;

namespace Rotor.Tests.Validation;

/// <summary>The good baseline, and one broken input per rule for chain, key match, names and usages.</summary>
public sealed class CertificateValidatorTests
{
    [Fact]
    public void Good_input_passes_every_rule()
    {
        var report = CertificateValidator.Validate(Good());

        AssertAllPassed(report);
        Assert.Equal($"all {ValidationRules.All.Count} checked rules passed", report.Summary());
    }

    [Fact]
    public void Good_input_with_rsa_2048_leaf_passes_every_rule()
    {
        var input = GoodWith(new LeafOptions { KeyType = TestKeyType.Rsa2048 }) with
        {
            ExpectedKey = new PrivateKeySpec { Algorithm = KeyAlgorithm.Rsa, Size = 2048 },
        };

        AssertAllPassed(CertificateValidator.Validate(input));
    }

    [Fact]
    public void Chain_without_the_intermediate_fails_chain_trusted_only()
    {
        var input = Good() with { Chain = [TestPki.Root.Certificate] };

        var failure = AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.ChainTrusted, "missing", "intermediate");
        Assert.Contains("Rotor Test Intermediate CA", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Chain_to_an_untrusted_root_fails_chain_trusted_only()
    {
        var otherRoot = TestPki.CreateRoot("CN=Some Other Root, O=Elsewhere");
        var input = Good() with { TrustAnchors = [otherRoot.Certificate] };

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.ChainTrusted, "configured trust");
    }

    [Fact]
    public void Key_of_another_certificate_fails_key_matches_only()
    {
        var other = TestPki.CreateLeaf();
        var input = Good() with { PrivateKeyPem = other.KeyPem };

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.KeyMatches, "does not belong", "public keys differ");
    }

    [Fact]
    public void Missing_key_leaves_key_rules_not_checked()
    {
        var report = CertificateValidator.Validate(Good() with { PrivateKeyPem = null });

        Assert.True(report.Passed);
        Assert.Equal(RuleStatus.NotChecked, Result(report, ValidationRules.KeyMatches).Status);
        Assert.Equal(RuleStatus.NotChecked, Result(report, ValidationRules.KeyUnencrypted).Status);
    }

    [Fact]
    public void Spec_name_the_certificate_lacks_fails_sans_cover_spec_only()
    {
        var input = Good() with
        {
            RequiredNames = Names("DNS:sip.example.com", "DNS:voice.example.com", "URI:sip:sip.example.com"),
        };

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.SansCoverSpec, "missing", "DNS:voice.example.com");
    }

    [Fact]
    public void Wildcard_covers_one_label_only_in_sans_cover_spec()
    {
        var input = Good() with { RequiredNames = Names("DNS:x.y.edge.example.com") };

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.SansCoverSpec, "DNS:x.y.edge.example.com");
    }

    [Fact]
    public void Previous_name_dropped_by_accident_fails_sans_cover_previous_only()
    {
        var input = Good() with { PreviousNames = Names("DNS:sip.example.com", "DNS:old.example.com") };

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.SansCoverPrevious, "previous", "DNS:old.example.com");
    }

    [Fact]
    public void Previous_name_removed_on_purpose_passes()
    {
        var input = Good() with
        {
            PreviousNames = Names("DNS:sip.example.com", "DNS:old.example.com"),
            RemovedNames = Names("DNS:old.example.com"),
        };

        AssertAllPassed(CertificateValidator.Validate(input));
    }

    [Fact]
    public void No_previous_version_leaves_sans_cover_previous_not_checked()
    {
        var report = CertificateValidator.Validate(Good() with { PreviousNames = null });

        Assert.True(report.Passed);
        Assert.Equal(RuleStatus.NotChecked, Result(report, ValidationRules.SansCoverPrevious).Status);
    }

    [Fact]
    public void Leaf_without_client_auth_eku_fails_usages_only()
    {
        var input = GoodWith(new LeafOptions { Ekus = [LeafOptions.ServerAuthOid] });

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.Usages, "client auth", "1.3.6.1.5.5.7.3.2", "missing");
    }

    [Fact]
    public void Leaf_without_any_eku_fails_usages_only()
    {
        var input = GoodWith(new LeafOptions { Ekus = null });

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.Usages, "server auth", "client auth");
    }

    [Fact]
    public void Leaf_key_usage_without_digital_signature_fails_usages_only()
    {
        // RSA so that the key stays readable for key-policy (see ValidatorGapTests for an EC key without digitalSignature).
        var input = GoodWith(new LeafOptions { KeyType = TestKeyType.Rsa2048, KeyUsage = X509KeyUsageFlags.KeyEncipherment }) with
        {
            ExpectedKey = new PrivateKeySpec { Algorithm = KeyAlgorithm.Rsa, Size = 2048 },
        };

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.Usages, "digitalSignature");
    }

    [Fact]
    public void Client_auth_not_required_passes_without_it()
    {
        var input = GoodWith(new LeafOptions { Ekus = [LeafOptions.ServerAuthOid] }) with { RequiredUsages = [Usages.ServerAuth] };

        AssertAllPassed(CertificateValidator.Validate(input));
    }

    [Fact]
    public void Encrypted_key_fails_key_unencrypted_only_and_key_match_is_not_checked()
    {
        var leaf = TestPki.CreateLeaf();
        var encrypted = leaf.Key.ExportEncryptedPkcs8PrivateKeyPem("pass-phrase",
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));
        var input = Good(leaf) with { PrivateKeyPem = encrypted };

        var report = CertificateValidator.Validate(input);

        AssertOnlyFailure(report, ValidationRules.KeyUnencrypted, "encrypted", "pass-phrase");
        var match = Result(report, ValidationRules.KeyMatches);
        Assert.Equal(RuleStatus.NotChecked, match.Status);
        Assert.Contains("key-unencrypted", match.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreadable_key_fails_key_unencrypted_only()
    {
        var input = Good() with { PrivateKeyPem = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n" };

        var report = CertificateValidator.Validate(input);

        AssertOnlyFailure(report, ValidationRules.KeyUnencrypted, "not a readable");
        Assert.Equal(RuleStatus.NotChecked, Result(report, ValidationRules.KeyMatches).Status);
    }
}
