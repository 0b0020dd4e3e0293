using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;
using Rotor.Core.Validation;
using static Rotor.Tests.Validation.ValidationFixtures;

namespace Rotor.Tests.Validation;

/// <summary>
/// Edge cases the validator once missed: a public key given as the private key, an expired
/// intermediate, an EC leaf without digitalSignature, a required keyEncipherment.
/// </summary>
public sealed class ValidatorGapTests
{
    [Fact]
    public void Public_key_pem_given_as_the_private_key_fails_key_unencrypted()
    {
        var leaf = TestPki.CreateLeaf();
        var input = Good(leaf) with { PrivateKeyPem = leaf.Key.ExportSubjectPublicKeyInfoPem() };

        var report = CertificateValidator.Validate(input);

        AssertOnlyFailure(report, ValidationRules.KeyUnencrypted, "private key");
    }

    [Fact]
    public void Expired_intermediate_in_the_chain_fails_validation()
    {
        var expiredCa = TestPki.CreateIntermediate(TestPki.Root, "CN=Rotor Test Expired Intermediate, O=Rotor Test",
            notBefore: TestPki.Now.AddYears(-3), notAfter: TestPki.Now.AddDays(-1));
        var leaf = TestPki.CreateLeaf(new LeafOptions { Issuer = expiredCa });
        var input = Good(leaf) with { Chain = [expiredCa.Certificate, TestPki.Root.Certificate] };

        var report = CertificateValidator.Validate(input);

        Assert.False(report.Passed, "a chain with an expired intermediate was accepted: " + report.Summary());
    }

    [Fact]
    public void Ec_leaf_whose_key_usage_lacks_digital_signature_fails_usages_only()
    {
        var input = GoodWith(new LeafOptions { KeyUsage = X509KeyUsageFlags.KeyAgreement });

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.Usages, "digitalSignature");
    }

    [Fact]
    public void Required_key_encipherment_missing_from_key_usage_fails_usages()
    {
        var input = GoodWith(new LeafOptions { KeyType = TestKeyType.Rsa2048 }) with
        {
            ExpectedKey = new PrivateKeySpec { Algorithm = KeyAlgorithm.Rsa, Size = 2048 },
            RequiredUsages = [Usages.ServerAuth, Usages.KeyEncipherment],
        };

        AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.Usages, "encipherment");
    }
}
