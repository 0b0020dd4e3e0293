using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Rotor.Cmp;
using Rotor.Cmp.Messages;

namespace Rotor.Tests.Cmp;

public class CertificateHashTests
{
    [Theory]
    [InlineData("1.2.840.10045.4.3.2", "SHA256")]   // ecdsa-with-SHA256
    [InlineData("1.2.840.10045.4.3.3", "SHA384")]   // ecdsa-with-SHA384
    [InlineData("1.2.840.10045.4.3.4", "SHA512")]   // ecdsa-with-SHA512
    [InlineData("1.2.840.113549.1.1.5", "SHA1")]    // sha1WithRSAEncryption
    [InlineData("1.2.840.113549.1.1.11", "SHA256")] // sha256WithRSAEncryption
    [InlineData("1.2.840.113549.1.1.12", "SHA384")]
    [InlineData("1.2.840.113549.1.1.13", "SHA512")]
    [InlineData("1.3.101.112", "SHA512")]           // Ed25519
    public void The_digest_is_the_one_of_the_certificates_signature_algorithm(string oid, string hash)
    {
        Assert.Equal(hash, CertificateHash.AlgorithmFor(new AlgorithmIdentifier(new DerObjectIdentifier(oid))).Name);
    }

    [Fact]
    public void Rsassa_pss_uses_the_hash_named_in_its_parameters()
    {
        var sha384 = new AlgorithmIdentifier(new DerObjectIdentifier("2.16.840.1.101.3.4.2.2"), DerNull.Instance);
        var parameters = new RsassaPssParameters(sha384, new AlgorithmIdentifier(PkcsObjectIdentifiers.IdMgf1, sha384), DerInteger.ValueOf(48), DerInteger.ValueOf(1));
        Assert.Equal(HashAlgorithmName.SHA384, CertificateHash.AlgorithmFor(new AlgorithmIdentifier(PkcsObjectIdentifiers.IdRsassaPss, parameters)));
    }

    [Fact]
    public void An_unknown_signature_algorithm_is_refused_not_guessed()
    {
        var e = Assert.Throws<CmpException>(() => CertificateHash.AlgorithmFor(new AlgorithmIdentifier(new DerObjectIdentifier("1.2.3.4"))));
        Assert.Equal(CmpReasons.Unsupported, e.Reason);
    }

    [Fact]
    public void A_p384_certificate_signed_with_sha384_is_hashed_with_sha384()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var cert = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA384).CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1));

        Assert.Equal(SHA384.HashData(cert.RawData), CertificateHash.Compute(cert));
    }
}
