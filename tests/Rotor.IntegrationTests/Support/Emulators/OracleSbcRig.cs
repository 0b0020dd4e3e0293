using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Targets;

namespace Rotor.IntegrationTests.Support.Emulators;

/// <summary>
/// An <see cref="OracleSbcTarget"/> against an <see cref="OracleSbcEmulator"/> over HTTPS (the
/// emulator's management certificate in a caBundle file), a small CA that signs the SBC's requests,
/// and every log line the target writes.
/// </summary>
internal sealed class OracleSbcRig : IAsyncDisposable
{
    public const string User = "rotor-admin";
    public const string Password = "0racle-Pa55word-never-logged";

    private readonly RigCa _ca = new();

    private OracleSbcRig(OracleSbcEmulator device)
    {
        Device = device;
        File.WriteAllText(Dir.Combine("credentials"), $"{User}:{Password}\n");
        File.WriteAllText(Dir.Combine("sbc-ca.pem"), device.ManagementCertificate.ExportCertificatePem() + "\n");
    }

    public static async Task<OracleSbcRig> StartAsync(string release = "9.3")
    {
        // Short waits: these tests count retries, they do not wait for a real SBC.
        OracleSbcTarget.LockDelay = TimeSpan.FromMilliseconds(20);
        OracleSbcTarget.PollDelay = TimeSpan.FromMilliseconds(20);
        return new(await OracleSbcEmulator.StartAsync(User, Password, release));
    }

    public OracleSbcEmulator Device { get; }
    public TempDir Dir { get; } = new();
    public X509Certificate2 Root => _ca.Root;
    public X509Certificate2 Intermediate => _ca.Intermediate;
    public ListLogger Logs { get; } = new();

    public OracleSbcTarget Target(bool twoRecords = true, string credentialsFile = "credentials", int lockAttempts = OracleSbcTargetSpec.DefaultLockAttempts, string? caBundle = "sbc-ca.pem") =>
        new("sbc", new OracleSbcTargetSpec
        {
            Url = Device.Url,
            CredentialsRef = new SecretRef(null, credentialsFile),
            CertificateRecord = OracleSbcEmulator.RecordA,
            SpareCertificateRecord = twoRecords ? OracleSbcEmulator.RecordB : null,
            TlsProfile = twoRecords ? OracleSbcEmulator.Profile : null,
            Version = Device.Release,
            CaBundle = caBundle,
            LockAttempts = lockAttempts,
            Timeout = TimeSpan.FromSeconds(10),
        }, Dir.Path, TimeProvider.System, Logs);

    /// <summary>
    /// A version as Rotor makes it with the key on the SBC: the target asks the SBC for a request,
    /// the rig's intermediate signs its public key; the artifact carries no key.
    /// </summary>
    public async Task<DeploymentArtifact> VersionAsync(OracleSbcTarget target, long number, DeploymentArtifact? previous = null)
    {
        var binding = new DeployBinding("sbc", null, []);
        var spec = new CertificateSpec { CommonName = "sbc.example.test", DnsNames = ["sbc.example.test"] };
        var der = await target.RequestCsrAsync("sbc-cert", spec, binding, default);
        var request = CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256);
        var issued = new CertificateRequest(new X500DistinguishedName("CN=sbc.example.test"), request.PublicKey, HashAlgorithmName.SHA256);
        var leaf = _ca.IssueLeaf(issued, number);
        return new DeploymentArtifact("sbc-cert", number, leaf, [Intermediate], [Root], "", binding, Dir.Path)
        {
            VersionNumber = number,
            KeyOnDevice = true,
            LoadPrevious = previous is null ? null : _ => Task.FromResult<DeploymentArtifact?>(previous),
        };
    }

    public static string Fingerprint(X509Certificate2 certificate) => Certificates.CertificatePem.Sha256Fingerprint(certificate);

    /// <summary>Every secret the target saw: the password and each token the SBC handed out.</summary>
    public IEnumerable<string> Secrets => Device.TokensIssued.Prepend(Password);

    public async ValueTask DisposeAsync()
    {
        await Device.DisposeAsync();
        Dir.Dispose();
        _ca.Dispose();
    }
}

/// <summary>Hands one <see cref="ListLogger"/> to every category, so a whole Rotor's log lines can be searched.</summary>
internal sealed class ListLoggerProvider(ListLogger logger) : Microsoft.Extensions.Logging.ILoggerProvider
{
    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => logger;

    public void Dispose()
    {
    }
}
