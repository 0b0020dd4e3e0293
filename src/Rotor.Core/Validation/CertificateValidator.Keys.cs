using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;

namespace Rotor.Core.Validation;

/// <summary>The key rules: key-unencrypted, key-matches, key-policy. Messages never hold key bytes.</summary>
public static partial class CertificateValidator
{
    /// <summary>Loads the PEM key the way a server would: without a pass-phrase.</summary>
    private static (AsymmetricAlgorithm? Key, RuleResult Result) CheckKeyUnencrypted(ValidationInput input)
    {
        if (input.PrivateKeyPem is null)
        {
            return (null, new RuleResult(ValidationRules.KeyUnencrypted, RuleStatus.NotChecked, "no key given"));
        }
        AsymmetricAlgorithm? key;
        string problem;
        try
        {
            key = PrivateKeyPem.TryRead(input.PrivateKeyPem, out problem, out _);
        }
        catch (Exception e) when (DecodedCertificate.IsDecodeError(e))
        {
            // Only the kind: an exception's text could quote the key.
            (key, problem) = (null, $"the key is not a readable PEM private key ({e.GetType().Name})");
        }
        return key is null
            ? (null, Fail(ValidationRules.KeyUnencrypted, problem))
            : (key, Pass(ValidationRules.KeyUnencrypted, "the key reads without a pass-phrase"));
    }

    private static RuleResult CheckKeyMatches(Decoded d, AsymmetricAlgorithm? key)
    {
        if (key is null && d.Input.PrivateKeyPem is null && d.Input.ExpectedPublicKey is { } expected)
        {
            return CheckPublicKeyMatches(d, expected);
        }
        if (key is null)
        {
            return new RuleResult(ValidationRules.KeyMatches, RuleStatus.NotChecked,
                d.Input.PrivateKeyPem is null ? "no key given" : "the key could not be read (see key-unencrypted)");
        }
        byte[] certSpki;
        try
        {
            certSpki = d.Leaf.Certificate.PublicKey.ExportSubjectPublicKeyInfo();
        }
        catch (Exception e) when (DecodedCertificate.IsDecodeError(e))
        {
            return CannotCheck(ValidationRules.KeyMatches, d.Leaf, "public key");
        }
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

    /// <summary>Key on a device: the certificate must carry the public key of the device's signing request.</summary>
    private static RuleResult CheckPublicKeyMatches(Decoded d, byte[] expected)
    {
        byte[] certSpki;
        try
        {
            certSpki = d.Leaf.Certificate.PublicKey.ExportSubjectPublicKeyInfo();
        }
        catch (Exception e) when (DecodedCertificate.IsDecodeError(e))
        {
            return CannotCheck(ValidationRules.KeyMatches, d.Leaf, "public key");
        }
        return certSpki.AsSpan().SequenceEqual(expected)
            ? Pass(ValidationRules.KeyMatches, "the certificate carries the public key of the device's request (the key stays on the device)")
            : Fail(ValidationRules.KeyMatches, "the certificate does not carry the public key of the device's request (public keys differ)");
    }

    private static RuleResult CheckKeyPolicy(Decoded d)
    {
        var (input, leaf) = (d.Input, d.Leaf);
        if (leaf.IsMalformed("public key")) return CannotCheck(ValidationRules.KeyPolicy, leaf, "public key");
        var (algorithm, bits) = (leaf.KeyAlgorithm, leaf.KeyBits);
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
                problems.Add(leaf.KeyNotAllowed ?? "the key algorithm is not allowed (ECDSA or RSA)");
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

    /// <summary>The algorithm and size of a certificate's public key; null algorithm if neither ECDSA nor RSA, or if the key does not decode.</summary>
    public static (KeyAlgorithm? Algorithm, int Bits) DescribeKey(X509Certificate2 certificate)
    {
        var decoded = DecodedCertificate.Decode(certificate, "certificate");
        return (decoded.KeyAlgorithm, decoded.KeyBits);
    }
}
