using System.Security.Cryptography;
using Rotor.Core.Validation;

namespace Rotor.Tests.Validation;

/// <summary>Key on a device: no private key is given; key-matches checks the device request's public key instead.</summary>
public sealed class DeviceKeyValidationTests
{
    [Fact]
    public void A_certificate_carrying_the_device_requests_public_key_passes_without_a_private_key()
    {
        var leaf = TestPki.CreateLeaf();
        var input = ValidationFixtures.Good(leaf) with
        {
            PrivateKeyPem = null,
            ExpectedPublicKey = leaf.Certificate.PublicKey.ExportSubjectPublicKeyInfo(),
        };

        var report = CertificateValidator.Validate(input);

        Assert.True(report.Passed, report.Summary());
        Assert.Equal(RuleStatus.Passed, report.Results.Single(r => r.Rule == ValidationRules.KeyMatches).Status);
        Assert.Equal(RuleStatus.NotChecked, report.Results.Single(r => r.Rule == ValidationRules.KeyUnencrypted).Status);
    }

    [Fact]
    public void A_certificate_for_another_key_than_the_device_requested_fails_key_matches()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var input = ValidationFixtures.Good() with { PrivateKeyPem = null, ExpectedPublicKey = other.ExportSubjectPublicKeyInfo() };

        ValidationFixtures.AssertOnlyFailure(CertificateValidator.Validate(input), ValidationRules.KeyMatches, "device's request");
    }
}
