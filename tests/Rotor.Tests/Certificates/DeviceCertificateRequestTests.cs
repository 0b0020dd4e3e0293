using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Certificates;
using Rotor.Core.Abstractions;

namespace Rotor.Tests.Certificates;

public sealed class DeviceCertificateRequestTests
{
    private static byte[] Request(RSA key, HashAlgorithmName hash) =>
        new CertificateRequest("CN=sbc.example.test", key, hash, RSASignaturePadding.Pkcs1).CreateSigningRequest();

    [Fact]
    public void A_sha256_request_gives_its_public_key()
    {
        using var key = RSA.Create(2048);

        var (publicKey, spki) = DeviceCertificateRequest.Read(Request(key, HashAlgorithmName.SHA256), "sbc");

        using var _ = publicKey;
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), spki);
        Assert.IsAssignableFrom<RSA>(publicKey);
    }

    [Fact]
    public void A_sha1_request_the_device_default_is_refused()
    {
        using var key = RSA.Create(2048);
        var der = new CertificateRequest("CN=sbc.example.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSigningRequest(new Validation.Sha1RsaSignatureGenerator(key));

        var e = Assert.Throws<RotorException>(() => DeviceCertificateRequest.Read(der, "sbc"));

        Assert.Equal(RotorReasons.KeyOnDeviceBadRequest, e.Reason);
        Assert.Contains("sha1WithRSAEncryption", e.Message);
    }

    [Fact]
    public void A_request_whose_signature_does_not_verify_is_refused()
    {
        using var key = RSA.Create(2048);
        var der = Request(key, HashAlgorithmName.SHA256);
        der[^5] ^= 0x5A; // inside the signature

        var e = Assert.Throws<RotorException>(() => DeviceCertificateRequest.Read(der, "sbc"));

        Assert.Equal(RotorReasons.KeyOnDeviceBadRequest, e.Reason);
        Assert.Contains("not signed by the key it carries", e.Message);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x30, 0x03, 0x02, 0x01 })]
    public void Garbage_is_refused_with_a_reason(byte[] der)
    {
        var e = Assert.Throws<RotorException>(() => DeviceCertificateRequest.Read(der, "sbc"));

        Assert.Equal(RotorReasons.KeyOnDeviceBadRequest, e.Reason);
    }
}
