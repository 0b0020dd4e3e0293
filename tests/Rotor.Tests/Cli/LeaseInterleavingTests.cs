using Rotor.Scheduling;
using Rotor.Tests.Support;

namespace Rotor.Tests.Cli;

/// <summary>
/// A user's rotate or rollback given while a pass works on the same certificate waits for the
/// pass to finish (it holds the certificate's lease), and never runs in the middle of it.
/// </summary>
public class LeaseInterleavingTests
{
    [Theory]
    [InlineData("rollback")]
    [InlineData("rotate")]
    public async Task A_command_given_during_a_pass_on_the_certificate_runs_only_after_it(string command)
    {
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pauseArmed = false;
        using var rotor = new TestRotor(new ReconcilerOptions
        {
            UnitRandom = () => 0.5,
            Parallelism = 1,
            FaultPoint = async (point, name, ct) =>
            {
                if (point != FaultPoints.AfterIssue || !Volatile.Read(ref pauseArmed)) return;
                paused.TrySetResult();
                await resume.Task.WaitAsync(ct);
            },
        });
        var path = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()));
        Assert.Equal(0, (await rotor.RunAsync("reconcile", "-f", path)).Code);
        Assert.Equal(0, (await rotor.RunAsync("renew", "sip-edge")).Code);

        // A pass issues version 2 and stops right after, holding the lease.
        Volatile.Write(ref pauseArmed, true);
        var pass = Task.Run(() => rotor.RunAsync("reconcile"));
        await paused.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var user = Task.Run(() => rotor.RunAsync(command, "sip-edge"));
        // The command finds the lease held and waits (on the fake clock) for it.
        for (var i = 0; i < 20 && !user.IsCompleted; i++) await Task.Delay(20);
        Assert.False(user.IsCompleted, "the command ran while the pass held the certificate");

        resume.SetResult();
        var (passCode, _, passErr) = await pass.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(passCode == 0, passErr);
        // The command retries on its next tick and now gets the lease.
        while (!user.IsCompleted)
        {
            rotor.Time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(user, Task.Delay(20));
        }
        var (code, _, err) = await user;
        Assert.True(code == 0, err);

        var (_, events, _) = await rotor.RunAsync("events", "--name", "sip-edge", "-o", "json");
        using var json = System.Text.Json.JsonDocument.Parse(events);
        var reasons = json.RootElement.EnumerateArray()
            .Select(e => e.GetProperty("reason").GetString() + " " + e.GetProperty("message").GetString()).ToList();
        var active = reasons.FindLastIndex(l => l.StartsWith("Active version 2", StringComparison.Ordinal));
        var userEvent = reasons.FindLastIndex(l => l.StartsWith(command == "rollback" ? "RolledBack" : "RotateRequested", StringComparison.Ordinal));
        Assert.True(active >= 0 && userEvent > active, "the user's command must come after the pass's whole work:\n" + string.Join("\n", reasons));
    }
}
