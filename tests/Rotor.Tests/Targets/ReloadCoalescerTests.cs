using Rotor.Targets;

namespace Rotor.Tests.Targets;

/// <summary>
/// Reload batching: requests made while a reload runs share the next one; a reload that started
/// before a request never answers it. Each reload here is held open by the test, so the order is
/// fixed without timing.
/// </summary>
public class ReloadCoalescerTests
{
    /// <summary>Records each batch and holds its reload until the test lets it finish (or fail).</summary>
    private sealed class HeldReloads
    {
        private readonly List<(IReadOnlyList<string> Members, TaskCompletionSource Finish)> _runs = [];
        private readonly SemaphoreSlim _started = new(0);

        public Task Run(IReadOnlyList<string> members)
        {
            var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_runs) _runs.Add(([.. members], finish));
            _started.Release();
            return finish.Task;
        }

        /// <summary>Waits until reload number <paramref name="n"/> (from 1) has started; returns its batch and its finisher.</summary>
        public async Task<(IReadOnlyList<string> Members, TaskCompletionSource Finish)> StartedAsync(int n)
        {
            while (true)
            {
                lock (_runs)
                {
                    if (_runs.Count >= n) return _runs[n - 1];
                }
                Assert.True(await _started.WaitAsync(TimeSpan.FromSeconds(10)), $"reload {n} never started");
            }
        }

        public int Count
        {
            get
            {
                lock (_runs) return _runs.Count;
            }
        }
    }

    private static void WaitForWaiting(ReloadCoalescer<string> reloads, int n) =>
        Assert.True(SpinWait.SpinUntil(() => reloads.Waiting == n, TimeSpan.FromSeconds(10)), $"expected {n} waiting requests, saw {reloads.Waiting}");

    [Fact]
    public async Task Two_certificates_asking_while_a_reload_runs_share_the_next_reload()
    {
        var held = new HeldReloads();
        var reloads = new ReloadCoalescer<string>(held.Run, maxBatch: 64);
        var a = reloads.RequestAsync("a", default);
        var first = await held.StartedAsync(1);
        var b = reloads.RequestAsync("b", default);
        var c = reloads.RequestAsync("c", default);
        WaitForWaiting(reloads, 2);

        first.Finish.SetResult();
        await a;
        var second = await held.StartedAsync(2);
        Assert.Equal(["a"], first.Members);
        Assert.Equal(["b", "c"], second.Members);
        second.Finish.SetResult();
        await Task.WhenAll(b, c);
        Assert.Equal(2, held.Count);
        Assert.Equal(2, reloads.Reloads);
    }

    [Fact]
    public async Task A_reload_that_started_before_a_request_does_not_answer_it()
    {
        var held = new HeldReloads();
        var reloads = new ReloadCoalescer<string>(held.Run, maxBatch: 64);
        var a = reloads.RequestAsync("a", default);
        var first = await held.StartedAsync(1);
        // b's files land while a's reload runs: that reload may have read the old ones.
        var b = reloads.RequestAsync("b", default);
        WaitForWaiting(reloads, 1);

        first.Finish.SetResult();
        await a;
        var second = await held.StartedAsync(2);
        Assert.False(b.IsCompleted, "b is answered only by a reload that started after it asked");
        second.Finish.SetResult();
        await b;
        Assert.Equal(["b"], second.Members);
    }

    [Fact]
    public async Task A_failed_reload_fails_every_request_of_its_batch_and_no_other()
    {
        var held = new HeldReloads();
        var reloads = new ReloadCoalescer<string>(held.Run, maxBatch: 64);
        var a = reloads.RequestAsync("a", default);
        var first = await held.StartedAsync(1);
        var b = reloads.RequestAsync("b", default);
        var c = reloads.RequestAsync("c", default);
        WaitForWaiting(reloads, 2);
        first.Finish.SetResult();
        await a;

        var second = await held.StartedAsync(2);
        second.Finish.SetException(new InvalidOperationException("reload command exited with code 1"));
        Assert.Equal("reload command exited with code 1", (await Assert.ThrowsAsync<InvalidOperationException>(() => b)).Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => c);

        // The next request gets a reload of its own, not the failure.
        var d = reloads.RequestAsync("d", default);
        (await held.StartedAsync(3)).Finish.SetResult();
        await d;
    }

    [Fact]
    public async Task A_batch_takes_at_most_its_limit_and_the_rest_wait_for_the_next()
    {
        var held = new HeldReloads();
        var reloads = new ReloadCoalescer<string>(held.Run, maxBatch: 2);
        var first = reloads.RequestAsync("a", default);
        var run1 = await held.StartedAsync(1);
        var rest = new[] { "b", "c", "d" }.Select(n => reloads.RequestAsync(n, default)).ToList();
        WaitForWaiting(reloads, 3);
        run1.Finish.SetResult();
        var run2 = await held.StartedAsync(2);
        Assert.Equal(["b", "c"], run2.Members);
        run2.Finish.SetResult();
        var run3 = await held.StartedAsync(3);
        Assert.Equal(["d"], run3.Members);
        run3.Finish.SetResult();
        await Task.WhenAll(rest.Append(first));
    }

    [Fact]
    public async Task A_request_that_stops_waiting_does_not_stop_the_reload_for_the_others()
    {
        var held = new HeldReloads();
        var reloads = new ReloadCoalescer<string>(held.Run, maxBatch: 64);
        var a = reloads.RequestAsync("a", default);
        var run1 = await held.StartedAsync(1);
        using var cancel = new CancellationTokenSource();
        var b = reloads.RequestAsync("b", cancel.Token);
        var c = reloads.RequestAsync("c", default);
        WaitForWaiting(reloads, 2);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);
        run1.Finish.SetResult();
        await a;
        var run2 = await held.StartedAsync(2);
        Assert.Equal(["b", "c"], run2.Members);
        Assert.False(c.IsCompleted);
        run2.Finish.SetResult();
        await c;
    }
}
