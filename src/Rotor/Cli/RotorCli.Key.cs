using System.CommandLine;
using System.Security.Cryptography;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Validation;
using Rotor.Keys;
using Rotor.Storage;

namespace Rotor.Cli;

public static partial class RotorCli
{
    private static Command KeyCommand(CliContext cli)
    {
        var cmd = new Command("key", "Private keys of certificates");
        cmd.Subcommands.Add(KeyImportCommand(cli));
        return cmd;
    }

    /// <summary>
    /// <c>rotor key import NAME --key FILE</c>: the next version of the certificate is issued for
    /// this key (a user moving an SBC to Rotor keeps the key its CA knows). Only for
    /// certificates with <c>privateKey.rotationPolicy: Never</c>, which then keep it.
    /// </summary>
    private static Command KeyImportCommand(CliContext cli)
    {
        var name = new Argument<string>("name") { Description = "Certificate the key is for (its spec must say privateKey.rotationPolicy: Never)" };
        var file = new Option<string>("--key") { Description = "Unencrypted private key PEM (PKCS#8, SEC1 or PKCS#1), ECDSA or RSA as the spec's privateKey says", Required = true };
        var cmd = new Command("import",
            "Import a private key for a certificate: its next version is issued for this key, and rotationPolicy Never keeps it. " +
            "The key is stored encrypted in the data folder; the file is not changed")
        { name, file };
        cmd.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(name)!;
            var path = parse.GetValue(file)!;
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            var stored = await host.Store.GetResourceAsync(ResourceKinds.Certificate, n, ct);
            if (stored is null) return cli.Fail(ExitCodes.NotFound, $"certificate '{n}' not found; apply it first");
            var spec = SpecSerializer.SpecOf<CertificateSpec>(stored);
            if (spec.PrivateKey.RotationPolicy != RotationPolicy.Never)
            {
                return cli.Fail(ExitCodes.InvalidInput,
                    $"certificate/{n}: privateKey.rotationPolicy is {spec.PrivateKey.RotationPolicy}; an imported key is kept only with rotationPolicy: Never (it would be replaced at the next renewal)");
            }
            // Bounded like every other PEM input (a key file is a few KB; /dev/zero ends at once).
            var (pem, readError) = await Certificates.PemReader.ReadTextAsync(path, Certificates.PemLimits.KeyFile, ct);
            if (pem is null) return cli.Fail(ExitCodes.InvalidInput, $"--key: {readError}");
            using var key = ReadKey(pem, spec.PrivateKey, out var problem);
            if (key is null) return cli.Fail(ExitCodes.InvalidInput, $"--key '{path}': {problem}");

            var now = host.Time.GetUtcNow();
            var renew = await new Commands.CertificateCommands(host).ImportKeyAsync(n, key, ct);
            var fingerprint = Convert.ToHexString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
            var message = $"{spec.PrivateKey.Describe()} key imported (public key SHA-256 {fingerprint}); the next version is issued for it" +
                (renew ? " and a renewal is requested" : "");
            await host.Store.AppendEventAsync(new EventRecord(0, now, ResourceKinds.Certificate, n, EventType.Normal, RotorReasons.KeyImported, message), ct);
            host.Wake();
            cli.Output.WriteLine($"certificate/{n}: {message}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>The key in <paramref name="pem"/> when it is what <paramref name="expected"/> asks for; otherwise null and why.</summary>
    private static AsymmetricAlgorithm? ReadKey(string pem, PrivateKeySpec expected, out string problem)
    {
        // The one bounded, linear private key reader that validation uses too.
        var key = PrivateKeyPem.TryRead(pem, out problem, out var encrypted);
        if (encrypted)
        {
            problem = "the key is encrypted; Rotor needs it without a pass-phrase (it stores it encrypted itself)";
            return null;
        }
        if (key is null || (key is RSA) != (expected.Algorithm == KeyAlgorithm.Rsa))
        {
            key?.Dispose();
            problem = $"no {expected.Describe()} private key in the file (privateKey.algorithm of the certificate is {expected.Algorithm})" +
                (problem.Length > 0 ? $": {problem}" : "");
            return null;
        }
        var size = key.KeySize; // the curve's size for ECDSA, the modulus's for RSA
        if (size != expected.Size)
        {
            key.Dispose();
            problem = $"the key is {(key is ECDsa ? "ECDSA P-" : "RSA ")}{size}, but the certificate's privateKey asks for {expected.Describe()} (privateKey.size)";
            return null;
        }
        return key;
    }
}
