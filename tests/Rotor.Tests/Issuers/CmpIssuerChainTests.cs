using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Cmp;
using Rotor.Cmp.Messages;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Tests.Cmp;

namespace Rotor.Tests.Issuers;

/// <summary>
/// Which CA certificates a CMP issuer builds the chain from: authenticated ones (caPubs of a
/// MAC-protected ip, trustedRoots) before extraCerts, each issuer found by its signature, and
/// the chain checked before certConf.
/// </summary>
public sealed class CmpIssuerChainTests
{
    private static X509Chain ChainTo(IssuedCertificate issued, IReadOnlyList<X509Certificate2> trust)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(issued.Intermediates.ToArray());
        return chain;
    }

    [Fact]
    public async Task A_tampered_extraCerts_copy_of_the_root_does_not_stop_a_certificate_whose_root_came_in_authenticated_caPubs()
    {
        await using var rig = await CmpIssuerRig.CreateAsync();
        rig.Server.TamperExtraCertsCa = true;
        var issuer = await rig.CreateIssuerAsync(new RoutingHandler(rig.Server));

        var issued = await rig.IssueAsync(issuer);

        // The root is the caPubs one, not the changed copy; the chain builds to it as validation builds it.
        var root = Assert.Single(issued.Roots);
        Assert.Equal(rig.Server.Ca.RawData, root.RawData);
        Assert.Empty(issued.Intermediates);
        using var chain = ChainTo(issued, issued.Roots);
        Assert.True(chain.Build(issued.Leaf), string.Join(", ", chain.ChainStatus.Select(s => s.Status)));
        Assert.Equal(CmpStatus.Accepted, rig.Server.Requests.Single(r => r.Body == "certConf").CertConfStatus);
        // Later key updates (kup has no caPubs) trust the root learnt here.
        Assert.Equal(rig.Server.Ca.RawData, Assert.Single(await issuer.GetTrustAnchorsAsync(default)).RawData);
    }

    [Fact]
    public async Task Of_two_roots_with_the_same_name_the_one_whose_key_signed_the_certificate_is_taken()
    {
        await using var rig = await CmpIssuerRig.CreateAsync();
        // A rolled-over root: same name, another key, listed first in caPubs.
        using var oldKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(rig.Server.Ca.SubjectName, oldKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var oldRoot = request.CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(200));
        rig.Server.CaPubsBefore = [oldRoot];
        var issuer = await rig.CreateIssuerAsync(new RoutingHandler(rig.Server));

        var issued = await rig.IssueAsync(issuer);

        Assert.Equal(rig.Server.Ca.RawData, Assert.Single(issued.Roots).RawData);
    }

    [Fact]
    public async Task Configured_trustedRoots_authenticate_the_chain_when_the_only_other_copy_is_a_tampered_extraCerts_one()
    {
        await using var rig = await CmpIssuerRig.CreateAsync();
        rig.Server.TamperExtraCertsCa = true;
        rig.Server.OmitCaPubs = true;
        var roots = rig.WriteFile("roots.pem", CertificatePem.ToPem(rig.Server.Ca));
        var issuer = await rig.CreateIssuerAsync(new RoutingHandler(rig.Server), rig.Spec(trustedRoots: roots));

        var issued = await rig.IssueAsync(issuer);

        Assert.Empty(issued.Roots);                                          // validation takes trustedRoots
        using var chain = ChainTo(issued, await issuer.GetTrustAnchorsAsync(default));
        Assert.True(chain.Build(issued.Leaf), string.Join(", ", chain.ChainStatus.Select(s => s.Status)));
    }

    [Fact]
    public async Task A_certificate_whose_chain_cannot_be_trusted_is_rejected_in_certConf_not_accepted_and_then_dropped()
    {
        await using var rig = await CmpIssuerRig.CreateAsync();
        rig.Server.TamperExtraCertsCa = true;                                // the only copy of the root is changed
        rig.Server.OmitCaPubs = true;
        var issuer = await rig.CreateIssuerAsync(new RoutingHandler(rig.Server));

        var e = await Assert.ThrowsAsync<RotorException>(() => rig.IssueAsync(issuer));

        Assert.Equal("CmpCertificateRejected", e.Reason);
        Assert.False(e.IsTransient);
        Assert.Contains("untrusted chain", e.Message, StringComparison.Ordinal);
        Assert.Equal(CmpStatus.Rejection, rig.Server.Requests.Single(r => r.Body == "certConf").CertConfStatus);
        Assert.Equal("failed", (await rig.StateAsync()).State);
    }

    [Fact]
    public void A_signature_check_tells_the_real_issuer_from_a_changed_copy()
    {
        using var server = new FakeCmpServer("unused");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (signer, signerKey) = server.NewSigner();
        using (signerKey)
        using (signer)
        {
            var tampered = server.Ca.RawData.ToArray();
            tampered[^1] ^= 0x01;
            using var copy = X509CertificateLoader.LoadCertificate(tampered);
            using var other = new CertificateRequest(server.Ca.SubjectName, key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(1));

            Assert.True(CmpCertificateSignature.IsSignedBy(signer, server.Ca));
            Assert.True(CmpCertificateSignature.IsSignedBy(signer, copy));           // the copy's key is intact
            Assert.False(CmpCertificateSignature.IsSignedBy(copy, copy));            // its own signature is not
            Assert.False(CmpCertificateSignature.IsSignedBy(signer, other));         // same name, another key
        }
    }
}
