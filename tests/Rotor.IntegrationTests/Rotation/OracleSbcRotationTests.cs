using System.Text;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.IntegrationTests.Support;
using Rotor.IntegrationTests.Support.Emulators;
using Rotor.Targets;

namespace Rotor.IntegrationTests.Rotation;

/// <summary>
/// Whole rotations through Rotor (apply, the reconcile loop, rotate, rollback) to an Oracle SBC
/// emulator over HTTPS: the key made and kept on the SBC, two certificate-records taking turns.
/// </summary>
public sealed class OracleSbcRotationTests
{
    private static string Manifest(OracleSbcEmulator device) => $$$"""
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
          privateKey: {algorithm: RSA, size: 2048, rotationPolicy: Never}
          issuerRef: {name: local}
          deploy:
            - {target: sbc}
          rotation: {stagger: 1s}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: sbc}
        spec:
          oracleSbc:
            url: "{{{device.Url}}}"
            credentialsRef: {file: credentials}
            certificateRecord: {{{OracleSbcEmulator.RecordA}}}
            spareCertificateRecord: {{{OracleSbcEmulator.RecordB}}}
            tlsProfile: {{{OracleSbcEmulator.Profile}}}
            version: "{{{device.Release}}}"
            caBundle: sbc-ca.pem
        """;

    [Fact]
    public async Task OracleSbcRotationActivatesRollsBackAndTheKeyNeverEntersRotor()
    {
        OracleSbcTarget.LockDelay = TimeSpan.FromMilliseconds(20);
        OracleSbcTarget.PollDelay = TimeSpan.FromMilliseconds(20);
        await using var device = await OracleSbcEmulator.StartAsync(OracleSbcRig.User, OracleSbcRig.Password);
        var logs = new ListLogger();
        await using var rig = new RotationRig(new ListLoggerProvider(logs));
        File.WriteAllText(rig.Dir.Combine("credentials"), $"{OracleSbcRig.User}:{OracleSbcRig.Password}\n");
        File.WriteAllText(rig.Dir.Combine("sbc-ca.pem"), device.ManagementCertificate.ExportCertificatePem() + "\n");
        await rig.ApplyAsync(Manifest(device));
        await rig.StartAsync();

        // Stage and activate: version 1 goes into the idle record, the profile points at it.
        var v1 = await rig.WaitForActiveAsync("sbc-cert", 0, TimeSpan.FromSeconds(60));
        Assert.Equal(v1.Sha256Fingerprint, CertificatePem.Sha256Fingerprint(device.Served()), ignoreCase: true);
        Assert.Equal(OracleSbcEmulator.RecordB, device.ServedRecord);
        Assert.True(device.ServedKeyMatches());

        await rig.CliAsync("rotate", "sbc-cert");
        var v2 = await rig.WaitForActiveAsync("sbc-cert", v1.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(v2.Sha256Fingerprint, CertificatePem.Sha256Fingerprint(device.Served()), ignoreCase: true);
        Assert.Equal(OracleSbcEmulator.RecordA, device.ServedRecord);
        Assert.True(device.ServedKeyMatches());

        // Inspect reads the record in service back.
        var target = (OracleSbcTarget)await rig.Host.Targets.GetAsync("sbc", default);
        var leaf = CertificatePem.ReadPemChain(v2.ChainPem)[0];
        var artifact = new DeploymentArtifact("sbc-cert", v2.Id, leaf, [], [], "", new Core.Resources.DeployBinding("sbc", null, []), rig.Dir.Path) { VersionNumber = v2.Number, KeyOnDevice = true };
        Assert.Equal(v2.Sha256Fingerprint, (await target.InspectAsync(artifact, default)).Sha256Fingerprint, ignoreCase: true);

        // Roll back: the profile goes back to the record that kept version 1 and its key.
        await rig.CliAsync("rollback", "sbc-cert");
        await Wait.UntilAsync(() => string.Equals(CertificatePem.Sha256Fingerprint(device.Served()), v1.Sha256Fingerprint, StringComparison.OrdinalIgnoreCase),
            TimeSpan.FromSeconds(30), () => "version 1 back in service; events:\n" + rig.EventsText("sbc-cert"));
        Assert.True(device.ServedKeyMatches());
        Assert.Equal(v1.Id, (await rig.ActiveAsync("sbc-cert"))!.Id);
        await Wait.UntilAsync(() => device.LockHolder is null, TimeSpan.FromSeconds(10), () => "the lock released");

        // The keys never entered Rotor: no key reference, nothing in the key store, no file holds one.
        Assert.All(new[] { v1, v2 }, v => Assert.Equal("device:sbc", v.KeyRef));
        Assert.DoesNotContain(await rig.Host.Keys.ListAsync(default), k => k.StartsWith("sbc-cert", StringComparison.Ordinal) || k.StartsWith("device", StringComparison.Ordinal));
        var keys = device.DevicePrivateKeyPems();
        Assert.True(keys.Count >= 3, "the shipped key and one per version");
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
            foreach (var pem in keys)
            {
                var der = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
                // The end of PKCS#8 RSA holds the CRT parameters; its start is a header and the public modulus.
                Assert.True(bytes.AsSpan().IndexOf(der.AsSpan(der.Length - 200, 64)) < 0, $"{file} holds an SBC key's DER");
                Assert.DoesNotContain(pem.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^3], Encoding.Latin1.GetString(bytes));
            }
        }

        // No password or token in a log line or an event.
        var events = string.Join("\n", (await rig.EventsAsync("sbc-cert")).Select(e => e.Message));
        Assert.NotEmpty(logs.Lines);
        foreach (var secret in device.TokensIssued.Prepend(OracleSbcRig.Password))
        {
            Assert.All(logs.Lines, l => Assert.DoesNotContain(secret, l));
            Assert.DoesNotContain(secret, events);
        }
    }
}
