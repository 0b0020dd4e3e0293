using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Rotation;
using Rotor.IntegrationTests.Support;
using Rotor.IntegrationTests.Support.Emulators;

namespace Rotor.IntegrationTests.Rotation;

/// <summary>
/// One certificate, through Rotor's reconcile loop, to a Genesys Cloud trust target and an
/// AudioCodes HA pair, across a change of CA: trust first, the pair promoted together, a rollback
/// restoring both, and the old CA removed from Genesys only after the overlap window.
/// </summary>
public sealed class GenesysHaRotationTests
{
    private const int Context = 2;
    private static readonly TimeSpan Overlap = TimeSpan.FromSeconds(8);

    private static string Issuer(string ca) => $$$"""
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: sbc-ca}
        spec: {ca: {certificate: {{{ca}}}.pem, privateKey: {{{ca}}}.key}}
        """;

    private static string Site(GenesysCloudEmulator cloud, AudioCodesEmulator a, AudioCodesEmulator b) => $$$"""
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: genesys}
        spec:
          genesysCloud: {region: mypurecloud.com, clientIdRef: {file: client-id}, clientSecretRef: {file: client-secret}, loginUrl: "{{{cloud.Url}}}", apiUrl: "{{{cloud.Url}}}"}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: sbc-a}
        spec:
          audiocodes: {url: "{{{a.Url}}}", tlsContext: {{{Context}}}, credentialsRef: {file: credentials}}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: sbc-b}
        spec:
          audiocodes: {url: "{{{b.Url}}}", tlsContext: {{{Context}}}, credentialsRef: {file: credentials}}
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: sbc-cert}
        spec:
          commonName: sbc.example.test
          dnsNames: [sbc.example.test]
          privateKey: {algorithm: ECDSA, size: 256, rotationPolicy: Always}
          issuerRef: {name: sbc-ca}
          deploy:
            - {target: sbc-a, group: pair}
            - {target: sbc-b, group: pair}
            - {target: genesys, role: trust}
          rotation: {overlap: {{{(int)Overlap.TotalSeconds}}}s, stagger: 1s}
        """;

    private static X509Certificate2 WriteCa(string dir, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = TimeProvider.System.GetUtcNow();
        using var ca = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(2));
        File.WriteAllText(Path.Combine(dir, name + ".pem"), ca.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(dir, name + ".key"), key.ExportPkcs8PrivateKeyPem() + "\n");
        return X509CertificateLoader.LoadCertificate(ca.RawData);
    }

    private static int LeafUploads(AudioCodesEmulator device) =>
        device.Requests.Count(r => r.StartsWith($"PUT /api/v1/files/tls/{Context}/certificate ", StringComparison.Ordinal));

    [Fact]
    public async Task GenesysTrustAndAudioCodesHaPairRotateTrustFirstRollBackTogetherAndDropTheOldCaAfterTheOverlap()
    {
        await using var cloud = await GenesysCloudEmulator.StartAsync(GenesysRig.ClientId, GenesysRig.ClientSecret);
        await using var a = await AudioCodesEmulator.StartAsync(AudioCodesRig.User, AudioCodesRig.Password);
        await using var b = await AudioCodesEmulator.StartAsync(AudioCodesRig.User, AudioCodesRig.Password);
        await using var rig = new RotationRig();
        File.WriteAllText(rig.Dir.Combine("credentials"), $"{AudioCodesRig.User}:{AudioCodesRig.Password}\n");
        File.WriteAllText(rig.Dir.Combine("client-id"), GenesysRig.ClientId + "\n");
        File.WriteAllText(rig.Dir.Combine("client-secret"), GenesysRig.ClientSecret + "\n");
        var oldCa = WriteCa(rig.Dir.Path, "old-ca");
        var newCa = WriteCa(rig.Dir.Path, "new-ca");
        // What each device had been given when each CA reached Genesys.
        var uploadsWhenAdded = new Dictionary<string, (int A, int B)>(StringComparer.OrdinalIgnoreCase);
        cloud.OnChange = change =>
        {
            if (change.StartsWith("added ", StringComparison.Ordinal)) uploadsWhenAdded[change[6..]] = (LeafUploads(a), LeafUploads(b));
        };

        await rig.ApplyAsync(Issuer("old-ca") + "\n---\n" + Site(cloud, a, b));
        await rig.StartAsync();
        var v1 = await rig.WaitForActiveAsync("sbc-cert", 0, TimeSpan.FromSeconds(60));
        Assert.Equal((0, 0), uploadsWhenAdded[GenesysCloudEmulator.Sha(oldCa)]);
        var afterV1 = (LeafUploads(a), LeafUploads(b));

        // The CA changes. Version 2 comes from the new CA: Genesys trusts it before either device gets the leaf.
        await rig.ApplyAsync(Issuer("new-ca"));
        await rig.CliAsync("rotate", "sbc-cert");
        var v2 = await rig.WaitForActiveAsync("sbc-cert", v1.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(afterV1, uploadsWhenAdded[GenesysCloudEmulator.Sha(newCa)]);
        Assert.True(LeafUploads(a) > afterV1.Item1 && LeafUploads(b) > afterV1.Item2);
        var records = await rig.Host.Store.ListRotationsAsync(v2.Id, default);
        Assert.All(records, r => Assert.Equal(RotationState.Promoted, r.State));
        var pair = records.Where(r => r.Target != "genesys").ToList();
        Assert.Equal(2, pair.Count);
        Assert.Single(pair.Select(r => r.Progress.PromotedAt).Distinct());
        Assert.True(records.Single(r => r.Target == "genesys").Progress.PromotedAt <= pair[0].Progress.PromotedAt, "the trust target is promoted first");
        foreach (var device in new[] { a, b })
        {
            Assert.Equal(v2.Sha256Fingerprint, CertificatePem.Sha256Fingerprint(device.Served(Context)), ignoreCase: true);
        }
        Assert.True(cloud.Trusts(oldCa), "the old CA stays through the overlap");
        Assert.True(cloud.Trusts(newCa));

        // A rollback within the overlap restores both devices; Genesys still trusts the old CA they present again.
        await rig.CliAsync("rollback", "sbc-cert");
        foreach (var device in new[] { a, b })
        {
            Assert.Equal(v1.Sha256Fingerprint, CertificatePem.Sha256Fingerprint(device.Served(Context)), ignoreCase: true);
            Assert.True(device.KeyMatchesCertificate(Context));
        }
        Assert.Equal(v1.Id, (await rig.ActiveAsync("sbc-cert"))!.Id);
        Assert.True(cloud.Trusts(oldCa));

        // Forward again; the old CA goes only once the overlap after the Genesys promotion has passed.
        await rig.CliAsync("rotate", "sbc-cert");
        var v3 = await rig.WaitForActiveAsync("sbc-cert", v2.Id, TimeSpan.FromSeconds(60));
        Assert.True(cloud.Trusts(oldCa), "not before the overlap");
        var deleted = $"deleted {GenesysCloudEmulator.Sha(oldCa)}";
        await Wait.UntilAsync(() => cloud.Journal.Any(j => j.Change == deleted), TimeSpan.FromSeconds(60),
            () => "the old CA to be removed after the overlap; events:\n" + rig.EventsText("sbc-cert"));
        var drained = (await rig.Host.Store.ListRotationsAsync(v1.Id, default)).Single(r => r.Target == "genesys");
        Assert.Equal(RotationState.Retired, drained.State);
        var promoted = (await rig.Host.Store.ListRotationsAsync(v3.Id, default)).Single(r => r.Target == "genesys").Progress.PromotedAt!.Value;
        var removedAt = cloud.Journal.Single(j => j.Change == deleted).At;
        Assert.True(removedAt >= promoted + Overlap, $"removed at {removedAt:O}, promoted at {promoted:O}, overlap {Overlap}");
        Assert.True(cloud.Trusts(newCa));
        foreach (var device in new[] { a, b })
        {
            Assert.Equal(v3.Sha256Fingerprint, CertificatePem.Sha256Fingerprint(device.Served(Context)), ignoreCase: true);
        }
        Assert.DoesNotContain(GenesysRig.ClientSecret, string.Join("\n", (await rig.EventsAsync("sbc-cert")).Select(e => e.Message)));
    }
}
