using Microsoft.Extensions.Time.Testing;
using Rotor.Targets;

namespace Rotor.Tests.Targets;

public class ControlSocketGateTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_second_reload_of_one_socket_waits_while_the_first_runs()
    {
        var gate = new ControlSocketGate(new FakeTimeProvider());
        var firstMayEnd = new TaskCompletionSource<int>();
        var secondStarted = false;

        var first = gate.RunAsync("unix:/run/a", Interval, _ => firstMayEnd.Task, CancellationToken.None);
        var second = gate.RunAsync("unix:/run/a", Interval, _ => { secondStarted = true; return Task.FromResult(2); }, CancellationToken.None);
        Assert.False(second.IsCompleted);
        Assert.False(secondStarted);
        firstMayEnd.SetResult(1);
        Assert.Equal(1, await first);
    }

    [Fact]
    public async Task The_next_reload_of_a_socket_waits_out_the_minimum_interval()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var gate = new ControlSocketGate(time);
        Assert.Equal(1, await gate.RunAsync("unix:/run/a", Interval, _ => Task.FromResult(1), CancellationToken.None));

        var started = false;
        var second = gate.RunAsync("unix:/run/a", Interval, _ => { started = true; return Task.FromResult(2); }, CancellationToken.None);
        time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.False(started);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, await second.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(started);
    }

    [Fact]
    public async Task Different_sockets_do_not_wait_for_each_other()
    {
        var time = new FakeTimeProvider();
        var gate = new ControlSocketGate(time);
        var never = new TaskCompletionSource<int>();
        _ = gate.RunAsync("unix:/run/a", Interval, _ => never.Task, CancellationToken.None);
        var other = await gate.RunAsync("unix:/run/b", Interval, _ => Task.FromResult(7), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(7, other);
    }

    [Fact]
    public async Task Two_hosts_keep_their_own_gates()
    {
        var time = new FakeTimeProvider();
        var never = new TaskCompletionSource<int>();
        _ = new ControlSocketGate(time).RunAsync("unix:/run/a", Interval, _ => never.Task, CancellationToken.None);
        var other = await new ControlSocketGate(time).RunAsync("unix:/run/a", Interval, _ => Task.FromResult(3), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, other);
    }
}
