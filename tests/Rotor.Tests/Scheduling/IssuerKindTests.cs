using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Tests.Support;

namespace Rotor.Tests.Scheduling;

/// <summary>Issuers other than Rotor's own root: a CA the user gives as files, and self-signed.</summary>
public class IssuerKindTests
{
    [Fact]
    public async Task A_given_ca_signs_and_its_chain_is_written()
    {
        using var rotor = new TestRotor();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=Site CA, O=Example", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        using var ca = req.CreateSelfSigned(TestRotor.Start.AddDays(-1), TestRotor.Start.AddYears(2));
        rotor.Dir.Write("pki/ca.pem", ca.ExportCertificatePem());
        rotor.Dir.Write("pki/ca.key", key.ExportPkcs8PrivateKeyPem());
        var issuer = Manifests.Issuer.Replace("spec: {ca: {}}", "spec: {ca: {certificate: pki/ca.pem, privateKey: pki/ca.key}}", StringComparison.Ordinal);
        var path = rotor.WriteManifest(Manifests.All(issuer, Manifests.Target(), Manifests.Certificate()));
        var (code, _, err) = await rotor.RunAsync("reconcile", "-f", path);
        Assert.True(code == 0, err);
        using var leaf = X509CertificateLoader.LoadCertificateFromFile(rotor.OutFile("sip-edge", "cert.pem"));
        Assert.Equal("CN=Site CA, O=Example", leaf.Issuer);
        Assert.Equal(ca.ExportCertificatePem().Trim(), File.ReadAllText(rotor.OutFile("sip-edge", "chain.pem")).Trim());
    }

    [Fact]
    public async Task A_missing_ca_key_file_is_a_clear_failure_naming_the_file()
    {
        using var rotor = new TestRotor();
        var issuer = Manifests.Issuer.Replace("spec: {ca: {}}", "spec: {ca: {certificate: nope/ca.pem, privateKey: nope/ca.key}}", StringComparison.Ordinal);
        var path = rotor.WriteManifest(Manifests.All(issuer, Manifests.Target(), Manifests.Certificate()));
        var (code, _, err) = await rotor.RunAsync("reconcile", "-f", path);
        Assert.Equal(1, code);
        Assert.Contains("nope/ca.key", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Self_signed_certificates_trust_themselves()
    {
        using var rotor = new TestRotor();
        var issuer = Manifests.Issuer.Replace("spec: {ca: {}}", "spec: {selfSigned: {}}", StringComparison.Ordinal);
        var path = rotor.WriteManifest(Manifests.All(issuer, Manifests.Target(), Manifests.Certificate()));
        var (code, _, err) = await rotor.RunAsync("reconcile", "-f", path);
        Assert.True(code == 0, err);
        using var leaf = X509CertificateLoader.LoadCertificateFromFile(rotor.OutFile("sip-edge", "cert.pem"));
        Assert.Equal(leaf.Subject, leaf.Issuer);
    }
}
