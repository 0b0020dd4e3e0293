using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;

namespace Rotor.Tests.Rotation;

/// <summary>
/// An in-memory world for the rotation engine: targets that record what they were told and
/// which version each serves, a probe that reports what each target serves (or that it is down,
/// or a broken chain), records and events in lists, time from a FakeTimeProvider.
/// </summary>
internal sealed class FakeRotation : IRotationEnvironment
{
    private static readonly X509Certificate2 Dummy = MakeDummy();

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 30, 13, 0, 0, TimeSpan.Zero));
    public TimeProvider Time => Clock;
    public IProbe Probe => new FakeProbe(this);
    public Dictionary<string, FakeTarget> Targets { get; } = new(StringComparer.Ordinal);
    public Dictionary<(long, string), RotationRecord> Records { get; } = [];
    public List<(DateTimeOffset At, EventType Type, string Reason, string Message)> Events { get; } = [];
    public List<string> Calls { get; } = [];

    /// <summary>Version id → fingerprint the targets present when serving it.</summary>
    public Dictionary<long, string> Fingerprints { get; } = new() { [1] = "aa01", [2] = "bb02" };

    /// <summary>Targets whose endpoint does not answer at all.</summary>
    public HashSet<string> Down { get; } = new(StringComparer.Ordinal);

    /// <summary>Targets whose handshake fails (e.g. a chain the probe does not trust) while serving this version.</summary>
    public Dictionary<string, long> BrokenWith { get; } = new(StringComparer.Ordinal);

    /// <summary>Throws after persisting a record in this state once, as a crash right after the write would.</summary>
    public RotationState? CrashAfter { get; set; }

    public FakeTarget Target(string name, long serving = 1)
    {
        var t = new FakeTarget(name, this) { Serving = serving };
        Targets[name] = t;
        return t;
    }

    public Task<ITarget> GetTargetAsync(string target, CancellationToken cancellationToken) => Task.FromResult<ITarget>(Targets[target]);

    public Task<DeploymentArtifact> GetArtifactAsync(long versionId, DeployBinding binding, IReadOnlyList<long> alsoTrust, CancellationToken cancellationToken) =>
        Task.FromResult(new DeploymentArtifact("sip", versionId, Dummy, [], [], "", binding, "/") { VersionNumber = versionId });

    public Task<IReadOnlyList<ProbeTarget>> GetEndpointsAsync(DeployBinding binding, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ProbeTarget>>(binding.Endpoints.Select(e => new ProbeTarget(binding.Target, 5061, e)).ToList());

    public Task SaveAsync(RotationRecord record, CancellationToken cancellationToken)
    {
        Records[(record.VersionId, record.Target)] = record;
        if (CrashAfter == record.State)
        {
            CrashAfter = null;
            throw new OperationCanceledException($"simulated crash after {record.State}");
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RotationRecord>> ListRecordsAsync(long versionId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RotationRecord>>(Records.Values.Where(r => r.VersionId == versionId).OrderBy(r => r.Target, StringComparer.Ordinal).ToList());

    public Task EventAsync(EventType type, string reason, long versionId, string target, string message, CancellationToken cancellationToken)
    {
        Events.Add((Clock.GetUtcNow(), type, reason, message));
        return Task.CompletedTask;
    }

    public RotationState? State(long version, string target) => Records.TryGetValue((version, target), out var r) ? r.State : null;

    public static RotationJob Job(CertificateSpec spec, long version = 2, long? previous = 1) =>
        new("sip", version, version == 2 ? "BB02" : "AA01", spec, previous) { VersionNumber = version, PreviousVersionNumber = previous };

    public static CertificateSpec Spec(RotationSpec? rotation = null, params DeployBinding[] deploy) =>
        new() { DnsNames = ["sip.example.test"], IssuerRef = "local", Deploy = deploy, Rotation = rotation ?? new RotationSpec() };

    /// <summary>Runs the engine, moving the clock to each wait, until it completes or rolls back (bounded).</summary>
    public async Task<RotationOutcome> RunToEndAsync(RotationEngine engine, RotationJob job, int maxCalls = 5000)
    {
        for (var i = 0; i < maxCalls; i++)
        {
            var outcome = await engine.AdvanceAsync(job, this, default);
            if (outcome.Kind != RotationOutcomeKind.Waiting) return outcome;
            var wait = outcome.WaitUntil!.Value - Clock.GetUtcNow();
            Clock.Advance(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1));
        }
        throw new InvalidOperationException("the rotation did not finish");
    }

    private static X509Certificate2 MakeDummy()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=dummy", key, HashAlgorithmName.SHA256);
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return request.CreateSelfSigned(now, now.AddYears(1));
    }

    internal sealed class FakeTarget(string name, FakeRotation world) : ITarget, IHealthSignalTarget
    {
        public long Serving { get; set; }

        /// <summary>What the target's platform reports on each read (a trunk's state); null reports nothing.</summary>
        public Func<HealthSignal>? Signal { get; set; }

        public bool HasHealthSignals => Signal is not null;

        public Task<IReadOnlyList<HealthSignal>> ReadHealthSignalsAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<HealthSignal>>(Signal is { } s ? [s()] : []);
        public long? Previous { get; private set; }
        public bool CanHoldTwoCertificates => false;

        public Task StageAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
        {
            world.Calls.Add($"{world.Clock.GetUtcNow():HH:mm:ss} stage {name} v{artifact.VersionId}");
            return Task.CompletedTask;
        }

        public Task ActivateAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
        {
            world.Calls.Add($"{world.Clock.GetUtcNow():HH:mm:ss} activate {name} v{artifact.VersionId}");
            if (world.Down.Contains(name)) throw new RotorException($"{name} does not answer", isTransient: true) { Reason = "ServerUnreachable" };
            if (Serving != artifact.VersionId) Previous = Serving;
            Serving = artifact.VersionId;
            return Task.CompletedTask;
        }

        public Task RollbackAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
        {
            world.Calls.Add($"{world.Clock.GetUtcNow():HH:mm:ss} rollback {name} v{artifact.VersionId}, restoring version number {artifact.RestoresVersionNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
            if (Serving == artifact.VersionId && Previous is { } p) Serving = p;
            return Task.CompletedTask;
        }

        public Task RetireAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
        {
            world.Calls.Add($"{world.Clock.GetUtcNow():HH:mm:ss} retire {name} v{artifact.VersionId}");
            return Task.CompletedTask;
        }

        public Task<TargetInspection> InspectAsync(DeploymentArtifact artifact, CancellationToken cancellationToken) =>
            Task.FromResult(new TargetInspection(world.Fingerprints[Serving], null, name));
    }

    private sealed class FakeProbe(FakeRotation world) : IProbe
    {
        public Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
        {
            var name = target.Host;
            var serving = world.Targets[name].Serving;
            if (world.Down.Contains(name))
            {
                return Task.FromResult(new ProbeResult(target, false, null, [], false, null, TimeSpan.Zero, TimeSpan.Zero, null, "connection refused") { Failure = ProbeFailure.Connect });
            }
            if (world.BrokenWith.TryGetValue(name, out var broken) && broken == serving)
            {
                return Task.FromResult(new ProbeResult(target, false, world.Fingerprints[serving], [], false, null, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), null, "chain not trusted: UntrustedRoot") { Failure = ProbeFailure.Trust });
            }
            return Task.FromResult(new ProbeResult(target, true, world.Fingerprints[serving], [], true, 200, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(1), null));
        }
    }
}
