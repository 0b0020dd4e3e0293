using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Rotor.Tests.Acme.Dns01;

/// <summary>
/// A fake clock that knows when the code under test starts waiting: each timer it creates is
/// reported, and <see cref="DriveAsync"/> advances exactly to it. Polling tests then see the
/// same sequence of waits every run, whatever the thread timing.
/// </summary>
internal sealed class SteppingClock : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan) _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Lets <paramref name="task"/> run, jumping the clock to each wait it starts, until it ends.</summary>
    public async Task DriveAsync(Task task)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!task.IsCompleted)
        {
            var next = _timers.Reader.ReadAsync(bound.Token).AsTask();
            if (await Task.WhenAny(task, next) == task) break;
            Advance(await next);
        }
        await task;
    }
}
