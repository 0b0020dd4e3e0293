using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Targets;

namespace Rotor.IntegrationTests.Support.Emulators;

/// <summary>
/// An <see cref="AudioCodesTarget"/> against an <see cref="AudioCodesEmulator"/>, with a small CA
/// (root and intermediate) for versions, and every log line the target writes.
/// </summary>
internal sealed class AudioCodesRig : IAsyncDisposable
{
    public const string User = "rotor-api";
    public const string Password = "s3cret-Pa55word-never-logged";
    public const int ContextId = 2;

    private readonly RigCa _ca = new();
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    private AudioCodesRig(AudioCodesEmulator device)
    {
        Device = device;
        File.WriteAllText(Dir.Combine("credentials"), $"{User}:{Password}\n");
    }

    public static async Task<AudioCodesRig> StartAsync() => new(await AudioCodesEmulator.StartAsync(User, Password));

    public AudioCodesEmulator Device { get; }
    public TempDir Dir { get; } = new();
    public X509Certificate2 Root => _ca.Root;
    public X509Certificate2 Intermediate => _ca.Intermediate;
    public ListLogger Logs { get; } = new();

    public AudioCodesTarget Target(string credentialsFile = "credentials", int conflictAttempts = AudioCodesTargetSpec.DefaultConflictAttempts) =>
        new("sbc", new AudioCodesTargetSpec
        {
            Url = Device.Url,
            TlsContext = ContextId,
            CredentialsRef = new SecretRef(null, credentialsFile),
            ConflictAttempts = conflictAttempts,
            Timeout = TimeSpan.FromSeconds(10),
        }, Dir.Path, Http, TimeProvider.System, Logs);

    /// <summary>A version: a new RSA key and a leaf from the intermediate; <paramref name="previous"/> is what it replaces.</summary>
    public DeploymentArtifact Version(long number, DeploymentArtifact? previous = null, DeployRole role = DeployRole.Leaf)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=sbc.example.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var leaf = _ca.IssueLeaf(request, number);
        return new DeploymentArtifact("sbc-cert", number, leaf, [Intermediate], [Root], key.ExportPkcs8PrivateKeyPem(),
            new DeployBinding("sbc", null, []) { Role = role }, Dir.Path)
        {
            VersionNumber = number,
            LoadPrevious = previous is null ? null : _ => Task.FromResult<DeploymentArtifact?>(previous),
        };
    }

    public async ValueTask DisposeAsync()
    {
        await Device.DisposeAsync();
        Dir.Dispose();
        _ca.Dispose();
    }
}

/// <summary>Every formatted log line, for checks that a secret never reaches one.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines) _lines.Add($"{eventId.Id} {formatter(state, exception)}");
    }
}
