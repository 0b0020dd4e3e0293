using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rotor.IntegrationTests.Support.Emulators;

/// <summary>
/// The device rigs' small CA: a root and an intermediate (ECDSA P-256), which signs each version's
/// leaf for sbc.example.test with the version number as its serial.
/// </summary>
internal sealed class RigCa : IDisposable
{
    private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public RigCa()
    {
        var now = TimeProvider.System.GetUtcNow();
        var rootRequest = new CertificateRequest("CN=Rig Root", _rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        Root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
        var intermediateRequest = new CertificateRequest("CN=Rig Intermediate", _intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var intermediate = intermediateRequest.Create(Root, now.AddDays(-1), now.AddYears(4), [1]);
        Intermediate = intermediate.CopyWithPrivateKey(_intermediateKey);
    }

    public X509Certificate2 Root { get; }
    public X509Certificate2 Intermediate { get; }

    /// <summary>A leaf for sbc.example.test over <paramref name="request"/>'s public key, valid 30 days.</summary>
    public X509Certificate2 IssueLeaf(CertificateRequest request, long number)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("sbc.example.test");
        request.CertificateExtensions.Add(names.Build());
        var now = TimeProvider.System.GetUtcNow();
        return request.Create(Intermediate.SubjectName, X509SignatureGenerator.CreateForECDsa(_intermediateKey), now.AddMinutes(-5), now.AddDays(30), BitConverter.GetBytes(number));
    }

    public void Dispose()
    {
        Root.Dispose();
        Intermediate.Dispose();
        _rootKey.Dispose();
        _intermediateKey.Dispose();
    }
}
