using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Rotation;
using Rotor.IntegrationTests.Support;
using Rotor.IntegrationTests.Support.Emulators;

namespace Rotor.IntegrationTests.Rotation;

/// <summary>
/// Whole rotations through Rotor (apply, the reconcile loop, rotate, rollback) to AudioCodes
/// emulators: the key kept on the device, and an HA pair promoted and rolled back together.
/// </summary>
public sealed class AudioCodesRotationTests
{
    private const int Context = 2;

    private static string Target(AudioCodesEmulator device, string name, bool keyOnDevice) => $$$"""
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: {{{name}}}}
        spec:
          audiocodes: {url: "{{{device.Url}}}", tlsContext: {{{Context}}}, keyOnDevice: {{{(keyOnDevice ? "true" : "false")}}}, credentialsRef: {file: credentials}}
        """;

    private static string Site(string deploy, string rotationPolicy) => $$$"""
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: local}
        spec: {ca: {}}
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: sbc-cert}
        spec:
          commonName: sbc.example.test
          dnsNames: [sbc.example.test]
          privateKey: {algorithm: RSA, size: 2048, rotationPolicy: {{{rotationPolicy}}}}
          issuerRef: {name: local}
          deploy:
        {{{deploy}}}
          rotation: {stagger: 1s}
        """;

    [Fact]
    public async Task AudioCodesKeyOnDeviceRotationCompletesAndTheKeyNeverEntersRotor()
    {
        await using var device = await AudioCodesEmulator.StartAsync(AudioCodesRig.User, AudioCodesRig.Password);
        await using var rig = new RotationRig();
        File.WriteAllText(rig.Dir.Combine("credentials"), $"{AudioCodesRig.User}:{AudioCodesRig.Password}\n");
        var devicePublicKey = device.DevicePublicKey(Context);
        await rig.ApplyAsync(Site("    - {target: sbc}", "Never") + "\n---\n" + Target(device, "sbc", keyOnDevice: true));
        await rig.StartAsync();
        var v1 = await rig.WaitForActiveAsync("sbc-cert", 0, TimeSpan.FromSeconds(60));
        await rig.CliAsync("rotate", "sbc-cert");
        var v2 = await rig.WaitForActiveAsync("sbc-cert", v1.Id, TimeSpan.FromSeconds(60));

        // The device serves version 2, whose public key is the device's own key, never replaced.
        var served = device.Served(Context);
        Assert.Equal(v2.Sha256Fingerprint, CertificatePem.Sha256Fingerprint(served), ignoreCase: true);
        Assert.Equal(devicePublicKey, served.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(devicePublicKey, device.DevicePublicKey(Context));
        Assert.True(device.KeyMatchesCertificate(Context));
        Assert.Equal("sha256", device.Context(Context).LastSignatureAlgorithm);
        Assert.DoesNotContain(device.Requests, r => r.Contains("/privateKey", StringComparison.Ordinal) && !r.StartsWith("GET", StringComparison.Ordinal));

        // Rotor's store holds no key for these versions, and its key store nothing of this certificate.
        Assert.All(new[] { v1, v2 }, v => Assert.Equal("device:sbc", v.KeyRef));
        Assert.DoesNotContain(await rig.Host.Keys.ListAsync(default), k => k.StartsWith("sbc-cert", StringComparison.Ordinal) || k.StartsWith("device", StringComparison.Ordinal));

        // No file Rotor wrote holds the device's key, as PEM, base64 of its DER, or raw DER.
        var pem = device.DevicePrivateKeyPem(Context);
        var der = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        // Slices from the key's private part (the end of PKCS#8 holds the CRT parameters); its start is
        // a common header and the public modulus, which the certificate carries too.
        var privatePart = der.AsSpan(der.Length - 200, 64).ToArray();
        var lines = pem.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var base64Line = lines[^3];
        foreach (var file in Directory.EnumerateFiles(rig.Dir.Path, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(file);
            }
            catch (IOException) when (file.EndsWith(".alive", StringComparison.Ordinal) || file.EndsWith(".lock", StringComparison.Ordinal))
            {
                continue; // a lock file the running Rotor holds: it holds a lock, no data
            }
            Assert.True(bytes.AsSpan().IndexOf(privatePart) < 0, $"{file} holds the device key's DER");
            Assert.DoesNotContain(base64Line, Encoding.Latin1.GetString(bytes));
        }
    }

    [Fact]
    public async Task AudioCodesKeyOnDeviceNeedsOneLeafBindingAndRotationPolicyNever()
    {
        await using var a = await AudioCodesEmulator.StartAsync(AudioCodesRig.User, AudioCodesRig.Password);
        await using var b = await AudioCodesEmulator.StartAsync(AudioCodesRig.User, AudioCodesRig.Password);
        await using var rig = new RotationRig();
        File.WriteAllText(rig.Dir.Combine("credentials"), $"{AudioCodesRig.User}:{AudioCodesRig.Password}\n");
        await rig.ApplyAsync(Site("    - {target: sbc-a}\n    - {target: sbc-b}", "Never") + "\n---\n" + Target(a, "sbc-a", true) + "\n---\n" + Target(b, "sbc-b", false));
        await rig.StartAsync();
        await Wait.UntilAsync(() => rig.EventsText("sbc-cert").Contains(RotorReasons.KeyOnDeviceMisconfigured, StringComparison.Ordinal), TimeSpan.FromSeconds(30),
            () => "a KeyOnDeviceMisconfigured failure; events:\n" + rig.EventsText("sbc-cert"));
        Assert.Contains("must be the certificate's only leaf binding", rig.EventsText("sbc-cert"));
        Assert.DoesNotContain(a.Requests, r => r.Contains("/certificate/request", StringComparison.Ordinal));
        Assert.Empty(await rig.Host.Store.ListVersionsAsync("sbc-cert", default));
    }

    [Fact]
    public async Task AudioCodesHaPairIsPromotedTogetherAndRolledBackTogether()
    {
        await using var a = await AudioCodesEmulator.StartAsync(AudioCodesRig.User, AudioCodesRig.Password);
        await using var b = await AudioCodesEmulator.StartAsync(AudioCodesRig.User, AudioCodesRig.Password);
        await using var rig = new RotationRig();
        File.WriteAllText(rig.Dir.Combine("credentials"), $"{AudioCodesRig.User}:{AudioCodesRig.Password}\n");
        await rig.ApplyAsync(Site("    - {target: sbc-a, group: pair}\n    - {target: sbc-b, group: pair}", "Always")
            + "\n---\n" + Target(a, "sbc-a", false) + "\n---\n" + Target(b, "sbc-b", false));
        await rig.StartAsync();
        var v1 = await rig.WaitForActiveAsync("sbc-cert", 0, TimeSpan.FromSeconds(60));
        await rig.CliAsync("rotate", "sbc-cert");
        var v2 = await rig.WaitForActiveAsync("sbc-cert", v1.Id, TimeSpan.FromSeconds(60));

        var records = await rig.Host.Store.ListRotationsAsync(v2.Id, default);
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal(RotationState.Promoted, r.State));
        Assert.Single(records.Select(r => r.Progress.PromotedAt).Distinct());
        foreach (var device in new[] { a, b })
        {
            Assert.Equal(v2.Sha256Fingerprint, CertificatePem.Sha256Fingerprint(device.Served(Context)), ignoreCase: true);
            Assert.True(device.KeyMatchesCertificate(Context));
        }

        await rig.CliAsync("rollback", "sbc-cert");
        foreach (var device in new[] { a, b })
        {
            Assert.Equal(v1.Sha256Fingerprint, CertificatePem.Sha256Fingerprint(device.Served(Context)), ignoreCase: true);
            Assert.True(device.KeyMatchesCertificate(Context), "version 1's key went back with its certificate");
            Assert.Equal(device.Context(Context).CertificatePem, device.Context(Context).SavedCertificatePem);
        }
        Assert.Equal(v1.Id, (await rig.ActiveAsync("sbc-cert"))!.Id);
    }
}
