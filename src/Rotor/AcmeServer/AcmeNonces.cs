using System.Security.Cryptography;
using Rotor.Acme.Jws;

namespace Rotor.AcmeServer;

/// <summary>
/// Anti-replay nonces (RFC 8555 6.5): each is 128 random bits, handed out in Replay-Nonce and
/// taken once. Kept in memory, at most <see cref="Capacity"/> and for <see cref="Lifetime"/>: a
/// restart or an old nonce gives the client a badNonce problem, after which ACME clients retry
/// with the fresh nonce that answer carries.
/// </summary>
internal sealed class AcmeNonces(TimeProvider time)
{
    public const int Capacity = 100_000;
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    // Guards both collections: the queue holds nonces in issue order, so the oldest go first.
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _live = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public string Next()
    {
        var nonce = Base64Url.Encode(RandomNumberGenerator.GetBytes(16));
        var now = time.GetUtcNow();
        lock (_lock)
        {
            while (_order.Count > 0 && (_order.Count >= Capacity || !_live.TryGetValue(_order.Peek(), out var at) || now - at > Lifetime))
            {
                _live.Remove(_order.Dequeue());
            }
            _live[nonce] = now;
            _order.Enqueue(nonce);
        }
        return nonce;
    }

    /// <summary>True once for a nonce this server gave out within <see cref="Lifetime"/>.</summary>
    public bool TryTake(string nonce)
    {
        lock (_lock)
        {
            return _live.Remove(nonce, out var at) && time.GetUtcNow() - at <= Lifetime;
        }
    }
}
