using System.Collections.Concurrent;

namespace Rotor.Targets;

/// <summary>
/// One reload at a time per Kamailio control socket, and at least the target's minimum interval
/// between two reloads of one socket, across every target and certificate of one host. Two
/// overlapping <c>tls.reload</c>s are what crashed Kamailio; several targets can share a socket
/// (one per certificate folder), so the gate belongs to the host, not to a target object.
/// Thread-safe.
/// </summary>
public sealed class ControlSocketGate(TimeProvider time)
{
    // Guarded by the dictionaries themselves: each value is set whole.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastReload = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs <paramref name="reload"/> alone for <paramref name="socket"/>, after waiting out
    /// <paramref name="minInterval"/> since that socket's last reload; the reload's start is recorded.
    /// </summary>
    public async Task<T> RunAsync<T>(string socket, TimeSpan minInterval, Func<CancellationToken, Task<T>> reload, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(socket, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (_lastReload.TryGetValue(socket, out var last))
            {
                var wait = last + minInterval - time.GetUtcNow();
                if (wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellationToken);
            }
            try
            {
                return await reload(cancellationToken);
            }
            finally
            {
                _lastReload[socket] = time.GetUtcNow();
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
