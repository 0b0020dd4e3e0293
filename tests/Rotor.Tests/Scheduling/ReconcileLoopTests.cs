using Microsoft.Extensions.Logging.Abstractions;
using Rotor.Scheduling;
using Rotor.Tests.Support;

namespace Rotor.Tests.Scheduling;

/// <summary>The service loop sleeps until the earliest due time: no passes in between, a pass right at it.</summary>
public class ReconcileLoopTests
{
    [Fact]
    public async Task The_loop_sleeps_until_the_renewal_time_and_renews_then()
    {
        using var rotor = new TestRotor();
        // A short-lived certificate, so that its renewal time comes before the loop's one-hour
        // safety-net wake-up: every pass seen here is one the due time asked for.
        var path = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate(duration: "1h")));
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", path)).Code);
        await using var host = await rotor.OpenHostAsync();
        var loop = new ReconcileLoop(host.Reconciler, host.Store, rotor.Time, NullLogger<ReconcileLoop>.Instance, wakeFile: null);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var running = Task.Run(() => loop.RunAsync(stop.Token));

        await Until(() => loop.Ready, running);
        var renewalAt = (await host.Store.GetStatusAsync("sip-edge", default))!.RenewalAt!.Value;
        var passes = loop.Passes;
        Assert.Single(await host.Store.ListVersionsAsync("sip-edge", default));

        Assert.True(renewalAt - rotor.Time.GetUtcNow() < ReconcileLoop.MaximumSleep);
        // Time goes by short of the renewal time: the loop does not wake up (no fixed tick).
        rotor.Time.SetUtcNow(renewalAt.AddMinutes(-1));
        await Task.Delay(200);
        Assert.Equal(passes, loop.Passes);
        Assert.Single(await host.Store.ListVersionsAsync("sip-edge", default));

        rotor.Time.SetUtcNow(renewalAt);
        await Until(() => host.Store.ListVersionsAsync("sip-edge", default).Result.Count == 2 && loop.Passes > passes, running);
        Assert.Equal(passes + 1, loop.Passes);

        // A wake-up (an apply or renew) makes it look again at once.
        await rotor.RunAsync("renew", "sip-edge");
        loop.Wake();
        await Until(() => host.Store.ListVersionsAsync("sip-edge", default).Result.Count == 3, running);

        // Stopping ends the loop promptly, whether it was sleeping or mid-pass.
        await stop.CancelAsync();
        try
        {
            await running.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }
        Assert.True(running.IsCompleted);
    }

    private static async Task Until(Func<bool> condition, Task running)
    {
        for (var i = 0; i < 1200 && !condition(); i++)
        {
            if (running.IsFaulted) await running;
            await Task.Delay(50);
        }
        Assert.True(condition(), "condition not reached in 60 s (a busy machine; the loop itself waits on fake time)");
    }
}
