using Rotor.Cli;
using Rotor.IntegrationTests.Support;
using Rotor.Tests.Support;

namespace Rotor.IntegrationTests.Lifecycle;

/// <summary>
/// A file target's <c>chain.pem</c> holds every CA certificate above the leaf up to the root, so
/// <c>openssl verify -CAfile chain.pem cert.pem</c> passes on the files alone. The ACME and CMP
/// cases, where the CA does not send its root, are in AcmeIssuerTests and CmpIssuerTests.
/// </summary>
public class ChainFileTests
{
    [Fact]
    public async Task A_local_ca_certificates_chain_pem_alone_verifies_its_cert_pem_with_openssl()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("rotor.yaml"), LocalCaManifest.Text("dnsNames: [sip.example.test]"));
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await RotorCli.InvokeAsync(["reconcile", "-f", dir.Combine("rotor.yaml"), "--data", dir.Combine("data")], output, error);
        Assert.True(code == 0, output.ToString() + error);

        var (verify, text) = await OpenSsl.RunAsync("verify", "-CAfile", dir.Combine("out", "chain.pem"), dir.Combine("out", "cert.pem"));
        Assert.True(verify == 0, text);
        // The root in chain.pem is the data folder's own local root.
        var chain = global::Rotor.Certificates.CertificatePem.ReadPemChain(File.ReadAllText(dir.Combine("out", "chain.pem")));
        var root = global::Rotor.Certificates.CertificatePem.ReadPemChain(File.ReadAllText(dir.Combine("data", "ca", "root.pem")));
        Assert.Equal(root[0].Thumbprint, chain[^1].Thumbprint);
    }
}
