using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;

namespace Rotor.Tests.Rotation;

/// <summary>The rotation state machine on fake targets, a fake probe and fake time.</summary>
public class RotationEngineTests
{
    private static readonly RotationSpec ShortGate = new()
    {
        Overlap = TimeSpan.FromHours(1),
        Stagger = TimeSpan.FromMinutes(2),
        HealthGate = new HealthGateSpec(TimeSpan.FromSeconds(10), 99.5, 98) { ProbesPerSecond = 2 },
    };

    private static DeployBinding Leaf(string target, string? group = null) => new(target, null, ["ep-" + target]) { Group = group };

    [Fact]
    public async Task Trust_target_goes_first_then_leaf_targets_one_per_wave_with_the_stagger()
    {
        var world = new FakeRotation();
        foreach (var t in new[] { "peer-trust", "edge-a", "edge-b", "edge-c" }) world.Target(t);
        var spec = FakeRotation.Spec(ShortGate with { HealthGate = ShortGate.HealthGate with { Window = TimeSpan.FromSeconds(1) } },
            Leaf("edge-a"), new DeployBinding("peer-trust", null, []) { Role = DeployRole.Trust }, Leaf("edge-b"), Leaf("edge-c"));
        var start = world.Clock.GetUtcNow();

        var outcome = await world.RunToEndAsync(new RotationEngine(), FakeRotation.Job(spec));

        Assert.Equal(RotationOutcomeKind.Completed, outcome.Kind);
        var deployed = world.Events.Where(e => e.Reason == "Deployed").ToList();
        Assert.Equal(["peer-trust", "edge-a", "edge-b", "edge-c"], deployed.Select(e => e.Message.Split(' ')[5]).ToArray());
        // The trust wave has no gate (nothing to probe) and is promoted at once; each leaf wave
        // starts a stagger after the previous one was promoted (its gate took ~1 s).
        Assert.Equal(start, deployed[0].At);
        for (var i = 1; i < deployed.Count; i++)
        {
            var promotedBefore = world.Events.Last(e => e.Reason == "Promoted" && e.At <= deployed[i].At).At;
            Assert.Equal(promotedBefore + TimeSpan.FromMinutes(2), deployed[i].At);
        }
        Assert.All(world.Targets.Values, t => Assert.Equal(2, t.Serving));
        Assert.All(world.Targets.Keys, t => Assert.Equal(RotationState.Promoted, world.State(2, t)));
    }

    [Fact]
    public async Task Gate_passes_with_counts_and_percentiles_in_the_event()
    {
        var world = new FakeRotation();
        world.Target("edge-a");
        var outcome = await world.RunToEndAsync(new RotationEngine(), FakeRotation.Job(FakeRotation.Spec(ShortGate, Leaf("edge-a"))));
        Assert.Equal(RotationOutcomeKind.Completed, outcome.Kind);
        var passed = Assert.Single(world.Events, e => e.Reason == "GatePassed");
        Assert.Matches(@"^target edge-a: (\d+)/\1 probes succeeded \(100 %\)", passed.Message);
        Assert.InRange(int.Parse(passed.Message.Split(' ')[2].Split('/')[0], System.Globalization.CultureInfo.InvariantCulture), 20, 21); // 10 s at 2/s
        Assert.Contains("p95 3.0 ms", passed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failing_gate_rolls_back_every_target_that_had_the_version_and_reinstates_the_previous()
    {
        var world = new FakeRotation();
        world.Target("edge-a");
        world.Target("edge-b");
        world.Records[(1, "edge-a")] = new RotationRecord(1, "edge-a", RotationState.Promoted, null, world.Clock.GetUtcNow());
        world.Records[(1, "edge-b")] = new RotationRecord(1, "edge-b", RotationState.Promoted, null, world.Clock.GetUtcNow());
        world.BrokenWith["edge-b"] = 2; // the new chain is not trusted by the probe on edge-b
        var spec = FakeRotation.Spec(ShortGate, Leaf("edge-a"), Leaf("edge-b"));

        // Numbers as people read them differ from the store's ids (2 and 1) here.
        var outcome = await world.RunToEndAsync(new RotationEngine(), FakeRotation.Job(spec) with { VersionNumber = 7, PreviousVersionNumber = 6 });

        Assert.Equal(RotationOutcomeKind.RolledBack, outcome.Kind);
        Assert.Contains("chain not trusted", outcome.Reason, StringComparison.Ordinal);
        // Each target is told which version goes back in service (a reload command's ROTOR_VERSION).
        Assert.Equal(2, world.Calls.Count(c => c.EndsWith("v2, restoring version number 6", StringComparison.Ordinal)));
        Assert.All(world.Events.Where(e => e.Reason is "Deployed" or "RolledBack"), e => Assert.Contains("version 7 ", e.Message, StringComparison.Ordinal));
        Assert.All(world.Targets.Values, t => Assert.Equal(1, t.Serving));
        Assert.Equal(RotationState.Failed, world.State(2, "edge-a"));
        Assert.Equal(RotationState.Failed, world.State(2, "edge-b"));
        Assert.Equal(RotationState.Promoted, world.State(1, "edge-a")); // drained, then reinstated
        Assert.Equal(RotationState.Promoted, world.State(1, "edge-b"));
        var failed = Assert.Single(world.Events, e => e.Reason == "GateFailed");
        Assert.Contains("edge-b", failed.Message, StringComparison.Ordinal);
        Assert.Contains("0/", failed.Message, StringComparison.Ordinal);
        // Early: the gate gave up long before its 10 s window could end.
        var edgeBDeployed = world.Events.Single(e => e.Reason == "Deployed" && e.Message.Contains("edge-b", StringComparison.Ordinal)).At;
        Assert.True(failed.At - edgeBDeployed < TimeSpan.FromSeconds(2), $"gave up {failed.At - edgeBDeployed} after deploying");
        Assert.Equal(2, world.Events.Count(e => e.Reason == "RolledBack"));
    }

    [Fact]
    public async Task Gate_between_the_thresholds_runs_one_more_window_then_rolls_back()
    {
        var gate = new HealthGateSpec(TimeSpan.FromSeconds(100), 99.5, 90) { ProbesPerSecond = 1 };
        var world = new FakeRotation();
        world.Target("edge-a");
        var probe = new FlakyProbe(world.Probe, everyNth: 50); // 98 % success: between 90 and 99.5
        var env = new ProbeOverride(world, probe);
        var engine = new RotationEngine();
        var job = FakeRotation.Job(FakeRotation.Spec(new RotationSpec { HealthGate = gate }, Leaf("edge-a")));
        RotationOutcome outcome;
        var calls = 0;
        do
        {
            outcome = await engine.AdvanceAsync(job, env, default);
            if (outcome.Kind == RotationOutcomeKind.Waiting) world.Clock.Advance(outcome.WaitUntil!.Value - world.Clock.GetUtcNow());
        }
        while (outcome.Kind == RotationOutcomeKind.Waiting && ++calls < 1000);

        Assert.Equal(RotationOutcomeKind.RolledBack, outcome.Kind);
        Assert.Single(world.Events, e => e.Reason == "GateInconclusive");
        var failed = Assert.Single(world.Events, e => e.Reason == "GateFailed");
        Assert.True(failed.At - world.Events[0].At >= TimeSpan.FromSeconds(199), "the second window ran to its end");
    }

    [Fact]
    public async Task Ha_pair_is_promoted_only_when_every_member_serves_the_version()
    {
        var world = new FakeRotation();
        world.Target("kam-1");
        world.Target("kam-2");
        world.Records[(1, "kam-1")] = new RotationRecord(1, "kam-1", RotationState.Promoted, null, world.Clock.GetUtcNow());
        world.Records[(1, "kam-2")] = new RotationRecord(1, "kam-2", RotationState.Promoted, null, world.Clock.GetUtcNow());
        world.Down.Add("kam-2");
        var engine = new RotationEngine();
        var job = FakeRotation.Job(FakeRotation.Spec(ShortGate, Leaf("kam-1", "pair"), Leaf("kam-2", "pair")));

        // kam-2 is down: its activation fails (transient) and the pair waits; kam-1 passes its gate but is not promoted.
        for (var i = 0; i < 60; i++)
        {
            try
            {
                var outcome = await engine.AdvanceAsync(job, world, default);
                Assert.Equal(RotationOutcomeKind.Waiting, outcome.Kind);
            }
            catch (RotorException e)
            {
                Assert.True(e.IsTransient);
                Assert.Contains("kam-2", e.Message, StringComparison.Ordinal);
            }
            world.Clock.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.True(world.Records[(2, "kam-1")].Progress.Gate.Passed);
        Assert.Equal(RotationState.Verifying, world.State(2, "kam-1"));
        Assert.Equal(RotationState.Promoted, world.State(1, "kam-1")); // the old version is not drained on either member
        Assert.Equal(RotationState.Promoted, world.State(1, "kam-2"));

        world.Down.Remove("kam-2");
        var done = await world.RunToEndAsync(engine, job);
        Assert.Equal(RotationOutcomeKind.Completed, done.Kind);
        var promoted = world.Events.Where(e => e.Reason == "Promoted").ToList();
        Assert.Equal(2, promoted.Count);
        Assert.Equal(promoted[0].At, promoted[1].At);
        Assert.Equal(RotationState.Draining, world.State(1, "kam-1"));
        Assert.Equal(RotationState.Draining, world.State(1, "kam-2"));
    }

    [Fact]
    public async Task Ha_member_that_stops_answering_during_the_gate_holds_the_rotation_and_alerts()
    {
        var world = new FakeRotation();
        world.Target("kam-1");
        world.Target("kam-2");
        var engine = new RotationEngine();
        var job = FakeRotation.Job(FakeRotation.Spec(ShortGate, Leaf("kam-1", "pair"), Leaf("kam-2", "pair")));
        await engine.AdvanceAsync(job, world, default); // both deployed and verifying
        world.Down.Add("kam-2");
        for (var i = 0; i < 120; i++)
        {
            var outcome = await engine.AdvanceAsync(job, world, default);
            Assert.Equal(RotationOutcomeKind.Waiting, outcome.Kind);
            world.Clock.Advance(TimeSpan.FromSeconds(5));
        }
        Assert.Equal(RotationState.Verifying, world.State(2, "kam-2"));
        Assert.Equal(RotationState.Verifying, world.State(2, "kam-1"));
        var alerts = world.Events.Where(e => e.Reason == "EndpointUnreachable").ToList();
        Assert.InRange(alerts.Count, 2, 3); // repeated every 5 minutes over 10 minutes, not every probe
        Assert.DoesNotContain(world.Events, e => e.Reason is "Promoted" or "GateFailed");
    }

    [Theory]
    [InlineData(RotationState.Staged)]
    [InlineData(RotationState.Deployed)]
    [InlineData(RotationState.Verifying)]
    [InlineData(RotationState.Promoted)]
    public async Task A_crash_right_after_any_state_is_persisted_resumes_to_one_promoted_version(RotationState crashAfter)
    {
        var world = new FakeRotation();
        world.Target("edge-a");
        world.Target("edge-b");
        world.Records[(1, "edge-a")] = new RotationRecord(1, "edge-a", RotationState.Promoted, null, world.Clock.GetUtcNow());
        world.Records[(1, "edge-b")] = new RotationRecord(1, "edge-b", RotationState.Promoted, null, world.Clock.GetUtcNow());
        world.CrashAfter = crashAfter;
        var job = FakeRotation.Job(FakeRotation.Spec(ShortGate, Leaf("edge-a"), Leaf("edge-b")));

        await Assert.ThrowsAsync<OperationCanceledException>(() => world.RunToEndAsync(new RotationEngine(), job));
        var outcome = await world.RunToEndAsync(new RotationEngine(), job); // a new process: only the records survive

        Assert.Equal(RotationOutcomeKind.Completed, outcome.Kind);
        foreach (var t in new[] { "edge-a", "edge-b" })
        {
            Assert.Equal(2, world.Targets[t].Serving);
            Assert.Single(world.Records.Values, r => r.Target == t && r.State == RotationState.Promoted);
        }
    }

    [Fact]
    public async Task Drain_retires_the_old_version_only_after_the_overlap()
    {
        var world = new FakeRotation();
        world.Target("edge-a");
        world.Records[(1, "edge-a")] = new RotationRecord(1, "edge-a", RotationState.Promoted, null, world.Clock.GetUtcNow());
        var spec = FakeRotation.Spec(ShortGate, Leaf("edge-a"));
        var engine = new RotationEngine();
        await world.RunToEndAsync(engine, FakeRotation.Job(spec));
        var old = FakeRotation.Job(spec, version: 1, previous: null);

        var (retired, next) = await engine.DrainAsync(old, 2, world, default);
        Assert.False(retired);
        Assert.Equal(world.Records[(2, "edge-a")].Progress.PromotedAt + TimeSpan.FromHours(1), next);
        world.Clock.Advance(next!.Value - world.Clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        Assert.False((await engine.DrainAsync(old, 2, world, default)).Retired);
        Assert.DoesNotContain(world.Calls, c => c.Contains("retire", StringComparison.Ordinal));

        world.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await engine.DrainAsync(old, 2, world, default)).Retired);
        Assert.Equal(RotationState.Retired, world.State(1, "edge-a"));
        Assert.Contains(world.Calls, c => c.EndsWith("retire edge-a v1", StringComparison.Ordinal));
    }

    /// <summary>Fails every n-th probe with a handshake error.</summary>
    private sealed class FlakyProbe(IProbe inner, int everyNth) : IProbe
    {
        private int _count;

        public async Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
        {
            var r = await inner.ProbeAsync(target, cancellationToken);
            return ++_count % everyNth == 0 ? r with { Success = false, Error = "handshake reset", Failure = ProbeFailure.Handshake } : r;
        }
    }

    private sealed class ProbeOverride(FakeRotation world, IProbe probe) : IRotationEnvironment
    {
        public TimeProvider Time => world.Time;
        public IProbe Probe => probe;
        public Task<ITarget> GetTargetAsync(string target, CancellationToken cancellationToken) => world.GetTargetAsync(target, cancellationToken);
        public Task<DeploymentArtifact> GetArtifactAsync(long versionId, DeployBinding binding, IReadOnlyList<long> alsoTrust, CancellationToken cancellationToken) =>
            world.GetArtifactAsync(versionId, binding, alsoTrust, cancellationToken);
        public Task<IReadOnlyList<ProbeTarget>> GetEndpointsAsync(DeployBinding binding, CancellationToken cancellationToken) => world.GetEndpointsAsync(binding, cancellationToken);
        public Task SaveAsync(RotationRecord record, CancellationToken cancellationToken) => world.SaveAsync(record, cancellationToken);
        public Task<IReadOnlyList<RotationRecord>> ListRecordsAsync(long versionId, CancellationToken cancellationToken) => world.ListRecordsAsync(versionId, cancellationToken);
        public Task EventAsync(EventType type, string reason, long versionId, string target, string message, CancellationToken cancellationToken) => world.EventAsync(type, reason, versionId, target, message, cancellationToken);
    }
}
