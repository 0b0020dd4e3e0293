using System.Security.Cryptography;
using Rotor.Cli;
using Rotor.Tests.Support;

namespace Rotor.Tests.Cli;

public class KeyImportTests
{
    private const string Never = "{algorithm: ECDSA, size: 256, rotationPolicy: Never}";

    [Fact]
    public async Task An_imported_key_is_used_by_the_next_version_and_kept_by_rotationPolicy_Never()
    {
        using var rotor = new TestRotor();
        var manifest = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate(key: Never)));
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", manifest)).Code);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyFile = rotor.Dir.Write("sbc.key", key.ExportPkcs8PrivateKeyPem());

        var (code, output, err) = await rotor.RunAsync("key", "import", "sip-edge", "--key", keyFile);
        Assert.True(code == 0, err);
        Assert.Contains("ECDSA P-256 key imported", output, StringComparison.Ordinal);
        Assert.DoesNotContain(key.ExportPkcs8PrivateKeyPem().Split('\n')[1], output + err, StringComparison.Ordinal);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), DeployedPublicKey(rotor));

        // A renewal keeps it (rotationPolicy Never).
        Assert.Equal(0, (await rotor.RunAsync("renew", "sip-edge")).Code);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        Assert.Contains("version 2", (await rotor.RunAsync("events", "-o", "json")).Out, StringComparison.Ordinal);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), DeployedPublicKey(rotor));

        // A second import replaces the key in the next version, with a renewal requested by the import.
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(0, (await rotor.RunAsync("key", "import", "sip-edge", "--key", rotor.Dir.Write("other.key", other.ExportPkcs8PrivateKeyPem()))).Code);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        Assert.Equal(other.ExportSubjectPublicKeyInfo(), DeployedPublicKey(rotor));
    }

    [Fact]
    public async Task A_key_that_does_not_fit_the_certificate_is_refused_naming_the_rule()
    {
        using var rotor = new TestRotor();
        var manifest = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(),
            Manifests.Certificate("always"), Manifests.Certificate("never", "[never.example.test]", key: Never)));
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", manifest)).Code);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);

        var cases = new (string Certificate, string Pem, string Expected)[]
        {
            ("always", p256.ExportPkcs8PrivateKeyPem(), "an imported key is kept only with rotationPolicy: Never"),
            ("never", p384.ExportPkcs8PrivateKeyPem(), "ECDSA P-384, but the certificate's privateKey asks for ECDSA P-256 (privateKey.size)"),
            ("never", rsa.ExportPkcs8PrivateKeyPem(), "no ECDSA P-256 private key in the file"),
            ("never", p256.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)), "the key is encrypted"),
            ("missing", p256.ExportPkcs8PrivateKeyPem(), "certificate 'missing' not found"),
            ("never", "garbage\n", "no ECDSA P-256 private key in the file"),
        };
        foreach (var (certificate, pem, expected) in cases)
        {
            var (code, _, err) = await rotor.RunAsync("key", "import", certificate, "--key", rotor.Dir.Write("k.pem", pem));
            Assert.True(code is ExitCodes.InvalidInput or ExitCodes.NotFound, $"{certificate}: exit {code}");
            Assert.Contains(expected, err, StringComparison.Ordinal);
        }
        // A device that never ends is refused at the 1 MiB cap, not read into memory.
        var (devCode, _, devErr) = await rotor.RunAsync("key", "import", "never", "--key", "/dev/zero");
        Assert.Equal(ExitCodes.InvalidInput, devCode);
        Assert.Contains("--key: /dev/zero is larger than 1 MiB", devErr, StringComparison.Ordinal);
        Assert.DoesNotContain("KeyImported", (await rotor.RunAsync("events", "-o", "json")).Out, StringComparison.Ordinal);
    }

    private static byte[] DeployedPublicKey(TestRotor rotor)
    {
        using var deployed = ECDsa.Create();
        deployed.ImportFromPem(File.ReadAllText(rotor.Dir.Combine("out", "sip-edge", "key.pem")));
        return deployed.ExportSubjectPublicKeyInfo();
    }
}
