using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.IO;
using Rotor.Certificates;

namespace Rotor.Issuers;

/// <summary>
/// Rotor's own CA in the data folder: a root (ECDSA P-384, 10 years) whose key lives in the key
/// store as <c>ca-root</c>, and on request an intermediate (P-256, 5 years) as
/// <c>ca-intermediate</c>. The root is made only when a data folder is initialised
/// (<see cref="Storage.DataFolder"/>); a missing root is an error, never made again (every issued
/// certificate and every peer's trust is tied to it). The intermediate is made on first use,
/// under the data folder's lock so two processes never make two. Creation is crash-safe: the
/// key is stored first, then the certificate; a key without its certificate is reused.
/// </summary>
public sealed class LocalCa(string dataDirectory, IKeyStore keys, TimeProvider time)
{
    public const string RootKeyRef = "ca-root";
    public const string IntermediateKeyRef = "ca-intermediate";
    private readonly SemaphoreSlim _creationLock = new(1, 1);

    public string Directory => Path.Combine(dataDirectory, "ca");
    public string RootPath => Path.Combine(Directory, "root.pem");
    public string IntermediatePath => Path.Combine(Directory, "intermediate.pem");

    public bool RootExists => File.Exists(RootPath);

    /// <summary>The root CA certificate; a clear error when it is missing.</summary>
    public X509Certificate2 LoadRoot()
    {
        if (!File.Exists(RootPath))
        {
            throw new RotorException($"the local root CA ({RootPath}) is missing; restore it from a backup (Rotor makes a root only in `rotor init` on a new data folder)",
                isTransient: false) { Reason = RotorReasons.DataFolderRefused };
        }
        return X509CertificateLoader.LoadCertificateFromFile(RootPath);
    }

    /// <summary>Makes the root of a data folder being initialised (or finds the one already made).</summary>
    public async Task<(X509Certificate2 Certificate, bool Created)> CreateRootAsync(string? commonName, CancellationToken cancellationToken)
    {
        await _creationLock.WaitAsync(cancellationToken);
        try
        {
            if (File.Exists(RootPath))
            {
                return (X509CertificateLoader.LoadCertificateFromFile(RootPath), false);
            }
            using var key = (ECDsa)await keys.GenerateAsync(RootKeyRef, KeyAlgorithm.Ecdsa, 384, cancellationToken);
            var now = time.GetUtcNow();
            var subject = new X500DistinguishedNameBuilder();
            subject.AddCommonName(commonName ?? $"Rotor Local Root CA {Convert.ToHexString(RandomNumberGenerator.GetBytes(4))}");
            subject.AddOrganizationName("Rotor");
            var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA384);
            CertificateBuilder.AddCaExtensions(request, pathLength: null);
            using var root = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key),
                now.AddHours(-1), now.AddYears(10), CertificateBuilder.NewSerial());
            await AtomicFile.WriteAsync(RootPath, CertificatePem.ToPem(root), FileTargetSpec.DefaultMode, cancellationToken);
            return (X509CertificateLoader.LoadCertificate(root.RawData), true);
        }
        finally
        {
            _creationLock.Release();
        }
    }

    public async Task<X509Certificate2> EnsureIntermediateAsync(CancellationToken cancellationToken)
    {
        using var root = LoadRoot();
        if (File.Exists(IntermediatePath))
        {
            return X509CertificateLoader.LoadCertificateFromFile(IntermediatePath);
        }
        await _creationLock.WaitAsync(cancellationToken);
        try
        {
            using var folderLock = await Storage.FolderLock.AcquireAsync(dataDirectory, time, TimeSpan.FromSeconds(60), cancellationToken);
            if (File.Exists(IntermediatePath))
            {
                return X509CertificateLoader.LoadCertificateFromFile(IntermediatePath);
            }
            using var rootKey = (ECDsa)(await keys.LoadAsync(RootKeyRef, cancellationToken)
                ?? throw new RotorException("the local root CA's key is missing from the key store", isTransient: false));
            using var key = (ECDsa)await keys.GenerateAsync(IntermediateKeyRef, KeyAlgorithm.Ecdsa, 256, cancellationToken);
            var now = time.GetUtcNow();
            var subject = new X500DistinguishedNameBuilder();
            subject.AddCommonName(root.GetNameInfo(X509NameType.SimpleName, false).Replace("Root", "Intermediate", StringComparison.Ordinal));
            subject.AddOrganizationName("Rotor");
            var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA384);
            CertificateBuilder.AddCaExtensions(request, pathLength: 0);
            CertificateBuilder.AddAuthorityKeyId(request, root);
            var notAfter = now.AddYears(5);
            using var intermediate = request.Create(root.SubjectName, X509SignatureGenerator.CreateForECDsa(rootKey),
                now.AddHours(-1), notAfter < root.NotAfter ? notAfter : root.NotAfter, CertificateBuilder.NewSerial());
            await AtomicFile.WriteAsync(IntermediatePath, CertificatePem.ToPem(intermediate), FileTargetSpec.DefaultMode, cancellationToken);
            return X509CertificateLoader.LoadCertificate(intermediate.RawData);
        }
        finally
        {
            _creationLock.Release();
        }
    }
}
