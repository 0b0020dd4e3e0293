using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Targets;

namespace Rotor.IntegrationTests.Support.Emulators;

/// <summary>
/// A <see cref="GenesysCloudTarget"/> against a <see cref="GenesysCloudEmulator"/>: two CAs (the
/// old and the new one of a CA change), versions as trust artifacts, and every log line.
/// </summary>
internal sealed class GenesysRig : IAsyncDisposable
{
    public const string ClientId = "7de3af06-c0b3-4f9b-af45-72f4a1403797";
    public const string ClientSecret = "gC-client-s3cret-never-logged-Zx81";

    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly List<ECDsa> _keys = [];

    private GenesysRig(GenesysCloudEmulator cloud)
    {
        Cloud = cloud;
        OldCa = NewCa("CN=Rig Old CA");
        NewCaCert = NewCa("CN=Rig New CA");
        File.WriteAllText(Dir.Combine("client-id"), ClientId + "\n");
        File.WriteAllText(Dir.Combine("client-secret"), ClientSecret + "\n");
    }

    public static async Task<GenesysRig> StartAsync() => new(await GenesysCloudEmulator.StartAsync(ClientId, ClientSecret));

    public GenesysCloudEmulator Cloud { get; }
    public TempDir Dir { get; } = new();
    public X509Certificate2 OldCa { get; }
    public X509Certificate2 NewCaCert { get; }
    public ListLogger Logs { get; } = new();

    public X509Certificate2 NewCa(string subject)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _keys.Add(key);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = TimeProvider.System.GetUtcNow();
        using var ca = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
        return X509CertificateLoader.LoadCertificate(ca.RawData);
    }

    public GenesysCloudTarget Target(TimeProvider? time = null, string secretFile = "client-secret", IReadOnlyList<string>? trunks = null) =>
        new("genesys", new GenesysCloudTargetSpec
        {
            Region = "mypurecloud.com",
            ClientIdRef = new SecretRef(null, "client-id"),
            ClientSecretRef = new SecretRef(null, secretFile),
            LoginUrl = Cloud.Url,
            ApiUrl = Cloud.Url,
            TrunkIds = trunks ?? [],
            Timeout = TimeSpan.FromSeconds(10),
        }, Dir.Path, Http, time ?? TimeProvider.System, Logs);

    /// <summary>A trust artifact of version <paramref name="number"/>, signed by <paramref name="ca"/>, keeping <paramref name="alsoTrust"/> beside it.</summary>
    public DeploymentArtifact Version(long number, X509Certificate2 ca, IReadOnlyList<X509Certificate2>? alsoTrust = null, DeployRole role = DeployRole.Trust)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=sbc.example.test", key, HashAlgorithmName.SHA256);
        var now = TimeProvider.System.GetUtcNow();
        using var leaf = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));
        return new DeploymentArtifact("sbc-cert", number, X509CertificateLoader.LoadCertificate(leaf.RawData), [], [ca], role == DeployRole.Leaf ? key.ExportPkcs8PrivateKeyPem() : "",
            new DeployBinding("genesys", null, []) { Role = role }, Dir.Path)
        {
            VersionNumber = number,
            AdditionalTrust = alsoTrust ?? [],
        };
    }

    /// <summary>
    /// Runs <paramref name="call"/> while moving <paramref name="time"/> on a second per few real
    /// milliseconds, so the target's waits pass without sleeping them; returns how far time moved.
    /// </summary>
    public static async Task<TimeSpan> DriveAsync(FakeTimeProvider time, Task call)
    {
        var start = time.GetUtcNow();
        while (!call.IsCompleted)
        {
            await Task.WhenAny(call, Task.Delay(5));
            if (!call.IsCompleted) time.Advance(TimeSpan.FromSeconds(1));
        }
        await call;
        return time.GetUtcNow() - start;
    }

    public async ValueTask DisposeAsync()
    {
        await Cloud.DisposeAsync();
        Dir.Dispose();
        foreach (var k in _keys) k.Dispose();
    }
}
