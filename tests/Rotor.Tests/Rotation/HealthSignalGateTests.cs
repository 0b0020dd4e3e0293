using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;

namespace Rotor.Tests.Rotation;

/// <summary>
/// Platform health signals (a Genesys trunk's state) counted by the gate of the certificate's
/// leaf bindings beside the probes: a trunk that goes down after the new leaf went out rolls the
/// version back; a healthy one lets it pass; a target that reports nothing changes nothing.
/// </summary>
public sealed class HealthSignalGateTests
{
    private static readonly RotationSpec ShortGate = new()
    {
        Stagger = TimeSpan.Zero,
        HealthGate = new HealthGateSpec(TimeSpan.FromSeconds(10), 99.5, 98) { ProbesPerSecond = 2 },
    };

    private static CertificateSpec Spec() => FakeRotation.Spec(ShortGate,
        new DeployBinding("genesys", null, []) { Role = DeployRole.Trust },
        new DeployBinding("sbc-a", null, []) { Group = "pair" },
        new DeployBinding("sbc-b", null, []) { Group = "pair" });

    [Fact]
    public async Task A_trunk_that_is_down_after_the_new_leaf_rolls_the_pair_back()
    {
        var world = new FakeRotation();
        var genesys = world.Target("genesys");
        world.Target("sbc-a");
        world.Target("sbc-b");
        // Connected while the trust target changes; down once the leaves carry version 2.
        genesys.Signal = () => new HealthSignal("genesysCloud target genesys",
            world.Targets["sbc-a"].Serving != 2, "trunk BYOC pair: connected " + (world.Targets["sbc-a"].Serving != 2 ? "yes" : "no") + ", in service yes");

        var outcome = await world.RunToEndAsync(new RotationEngine(), FakeRotation.Job(Spec()));

        Assert.Equal(RotationOutcomeKind.RolledBack, outcome.Kind);
        Assert.Equal(1, world.Targets["sbc-a"].Serving);
        Assert.Equal(1, world.Targets["sbc-b"].Serving);
        var failed = Assert.Single(world.Events, e => e.Reason == RotorReasons.GateFailed);
        Assert.Contains("sbc-", failed.Message, StringComparison.Ordinal);
        Assert.Contains("trunk BYOC pair: connected no", outcome.Reason ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_healthy_trunk_lets_the_gate_pass_and_is_counted()
    {
        var world = new FakeRotation();
        var genesys = world.Target("genesys");
        world.Target("sbc-a");
        world.Target("sbc-b");
        var reads = 0;
        genesys.Signal = () => { reads++; return new HealthSignal("genesysCloud target genesys", true, "trunk BYOC pair: connected yes, in service yes"); };

        var outcome = await world.RunToEndAsync(new RotationEngine(), FakeRotation.Job(Spec()));

        Assert.Equal(RotationOutcomeKind.Completed, outcome.Kind);
        Assert.Equal(2, world.Targets["sbc-a"].Serving);
        Assert.InRange(reads, 20, 60); // a 10 s window at 2 rounds/s, for each leaf of the pair
        Assert.Equal(2, world.Events.Count(e => e.Reason == RotorReasons.GatePassed));
    }

    [Fact]
    public async Task Without_signals_a_binding_without_endpoints_passes_at_once()
    {
        var world = new FakeRotation();
        world.Target("genesys");
        world.Target("sbc-a");
        world.Target("sbc-b");
        var start = world.Clock.GetUtcNow();

        var outcome = await world.RunToEndAsync(new RotationEngine(), FakeRotation.Job(Spec()));

        Assert.Equal(RotationOutcomeKind.Completed, outcome.Kind);
        Assert.True(world.Clock.GetUtcNow() - start < TimeSpan.FromSeconds(5));
    }
}
