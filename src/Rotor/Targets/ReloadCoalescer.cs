namespace Rotor.Targets;

/// <summary>
/// Joins the reloads that certificates deploying to one target ask for at the same time into one
/// reload. A request joins the batch that has not started yet (there is at most one); while a
/// reload runs, new requests gather for the next one. So a request is answered only by a reload
/// that started after it was made, which is after its files were in place: when it returns, its
/// files are live (or the reload failed, and every request of that batch gets the failure).
/// </summary>
/// <remarks>
/// Thread-safe. <c>_gate</c> guards <c>_pending</c> and <c>_running</c>. The reload itself runs
/// outside the lock, on the thread of the request that found no reload running; it is bounded by
/// its own timeout, not by any one request's token (others wait on it), and a request whose token
/// is cancelled stops waiting without stopping the reload.
/// </remarks>
internal sealed class ReloadCoalescer<TMember>(Func<IReadOnlyList<TMember>, Task> reload, int maxBatch)
{
    private readonly Lock _gate = new();

    // Batches not started yet, in order; only the last one takes new requests (until it is full).
    private readonly Queue<Batch> _pending = new();
    private Batch? _open;
    private bool _running;

    /// <summary>Reloads started so far.</summary>
    public int Reloads { get; private set; }

    /// <summary>Requests waiting for a reload that has not started yet.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate) return _pending.Sum(b => b.Members.Count);
        }
    }

    /// <summary>Returns once a reload that started after this call has finished; throws its failure.</summary>
    public async Task RequestAsync(TMember member, CancellationToken cancellationToken)
    {
        Batch batch;
        bool runNow;
        lock (_gate)
        {
            if (_open is null || _open.Members.Count >= maxBatch)
            {
                _open = new Batch();
                _pending.Enqueue(_open);
            }
            batch = _open;
            batch.Members.Add(member);
            runNow = !_running;
            _running = true;
        }
        if (runNow) _ = Task.Run(PumpAsync, CancellationToken.None);
        await batch.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Runs the waiting batches one after another until none is left.</summary>
    private async Task PumpAsync()
    {
        while (true)
        {
            Batch batch;
            lock (_gate)
            {
                if (!_pending.TryDequeue(out batch!))
                {
                    _running = false;
                    return;
                }
                // Started: later requests must not join it.
                if (ReferenceEquals(batch, _open)) _open = null;
                Reloads++;
            }
            try
            {
                await reload(batch.Members);
                batch.Done.TrySetResult();
            }
            catch (Exception e)
            {
                batch.Done.TrySetException(e);
            }
        }
    }

    private sealed class Batch
    {
        public List<TMember> Members { get; } = [];

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
