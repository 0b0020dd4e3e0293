using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rotor.Tests.Validation;

/// <summary>
/// Signs with sha1WithRSAEncryption (1.2.840.113549.1.1.5) whatever hash the request names;
/// .NET's own RSA generator has no identifier for SHA-1, so weak test certificates need this.
/// </summary>
public sealed class Sha1RsaSignatureGenerator(RSA key) : X509SignatureGenerator
{
    public const string Sha1WithRsaOid = "1.2.840.113549.1.1.5";

    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(Sha1WithRsaOid);
            writer.WriteNull();
        }
        return writer.Encode();
    }

    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) =>
        key.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);

    protected override PublicKey BuildPublicKey() => new(key);
}
