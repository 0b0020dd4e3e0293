using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;

namespace Rotor.Core.Validation;

public static partial class CertificateValidator
{
    private static readonly HashSet<string> WeakSignatureOids =
    [
        "1.2.840.113549.1.1.4", // md5WithRSAEncryption
        "1.2.840.113549.1.1.5", // sha1WithRSAEncryption
        "1.2.840.10045.4.1",    // ecdsa-with-SHA1
        "1.2.840.10040.4.3",    // dsa-with-sha1
    ];

    /// <summary>Loads the PEM key the way a server would: without a pass-phrase.</summary>
    private static (AsymmetricAlgorithm? Key, RuleResult Result) CheckKeyUnencrypted(ValidationInput input)
    {
        if (input.PrivateKeyPem is null)
        {
            return (null, new RuleResult(ValidationRules.KeyUnencrypted, RuleStatus.NotChecked, "no key given"));
        }
        var pem = input.PrivateKeyPem;
        if (pem.Contains("ENCRYPTED", StringComparison.Ordinal))
        {
            return (null, Fail(ValidationRules.KeyUnencrypted, "the key is encrypted with a pass-phrase; a SIP server reloading unattended cannot read it"));
        }
        AsymmetricAlgorithm? key = TryImport(ECDsa.Create(), pem) ?? TryImport(RSA.Create(), pem);
        return key is null
            ? (null, Fail(ValidationRules.KeyUnencrypted, "the key is not a readable PEM private key (PKCS#8, PKCS#1 or SEC1)"))
            : (key, Pass(ValidationRules.KeyUnencrypted, "the key reads without a pass-phrase"));
    }

    private static AsymmetricAlgorithm? TryImport(AsymmetricAlgorithm alg, string pem)
    {
        try
        {
            alg.ImportFromPem(pem);
            _ = alg.ExportPkcs8PrivateKey(); // throws if the PEM held only a public key
            return alg;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            alg.Dispose();
            return null;
        }
    }

    private static RuleResult CheckKeyMatches(ValidationInput input, AsymmetricAlgorithm? key)
    {
        if (key is null)
        {
            return new RuleResult(ValidationRules.KeyMatches, RuleStatus.NotChecked,
                input.PrivateKeyPem is null ? "no key given" : "the key could not be read (see key-unencrypted)");
        }
        var certSpki = input.Leaf.PublicKey.ExportSubjectPublicKeyInfo();
        byte[] keySpki;
        try
        {
            keySpki = key.ExportSubjectPublicKeyInfo();
        }
        catch (CryptographicException)
        {
            return Fail(ValidationRules.KeyMatches, "the key's public part cannot be derived");
        }
        return certSpki.AsSpan().SequenceEqual(keySpki)
            ? Pass(ValidationRules.KeyMatches, "the private key belongs to the certificate")
            : Fail(ValidationRules.KeyMatches, "the private key does not belong to the certificate (public keys differ)");
    }

    private static RuleResult CheckKeyPolicy(ValidationInput input)
    {
        var (algorithm, bits) = DescribeKey(input.Leaf);
        var problems = new List<string>();
        switch (algorithm)
        {
            case KeyAlgorithm.Rsa when bits < input.KeyPolicy.MinimumRsaBits:
                problems.Add($"RSA key of {bits} bits is below the minimum {input.KeyPolicy.MinimumRsaBits}");
                break;
            case KeyAlgorithm.Ecdsa when bits < input.KeyPolicy.MinimumEcBits:
                problems.Add($"EC key of {bits} bits is below the minimum {input.KeyPolicy.MinimumEcBits}");
                break;
            case null:
                problems.Add($"key algorithm {input.Leaf.PublicKey.Oid.FriendlyName ?? input.Leaf.PublicKey.Oid.Value} is not allowed (ECDSA or RSA)");
                break;
        }
        if (input.ExpectedKey is { } expected && algorithm is not null
            && (expected.Algorithm != algorithm || expected.Size != bits))
        {
            problems.Add($"the spec asks for {expected.Describe()}, the certificate has {new PrivateKeySpec { Algorithm = algorithm.Value, Size = bits }.Describe()}");
        }
        return problems.Count == 0
            ? Pass(ValidationRules.KeyPolicy, $"{algorithm} {bits} bits meets policy")
            : Fail(ValidationRules.KeyPolicy, string.Join("; ", problems));
    }

    /// <summary>The algorithm and size of a certificate's public key; null algorithm if neither ECDSA nor RSA.</summary>
    public static (KeyAlgorithm? Algorithm, int Bits) DescribeKey(X509Certificate2 certificate)
    {
        using (var ec = certificate.PublicKey.GetECDsaPublicKey())
        {
            if (ec is not null) return (KeyAlgorithm.Ecdsa, ec.KeySize);
        }
        using (var rsa = certificate.PublicKey.GetRSAPublicKey())
        {
            if (rsa is not null) return (KeyAlgorithm.Rsa, rsa.KeySize);
        }
        return (null, 0);
    }

    private static RuleResult CheckSignaturePolicy(ValidationInput input)
    {
        var weak = new[] { input.Leaf }.Concat(input.Chain.Where(c => c.Subject != c.Issuer))
            .Where(c => WeakSignatureOids.Contains(c.SignatureAlgorithm.Value ?? ""))
            .Select(c => $"'{c.Subject}' is signed with {c.SignatureAlgorithm.FriendlyName ?? c.SignatureAlgorithm.Value}")
            .ToList();
        return weak.Count == 0
            ? Pass(ValidationRules.SignaturePolicy, $"signed with {input.Leaf.SignatureAlgorithm.FriendlyName ?? input.Leaf.SignatureAlgorithm.Value}")
            : Fail(ValidationRules.SignaturePolicy, "weak signature algorithm (SHA-1/MD5): " + string.Join("; ", weak));
    }
}
