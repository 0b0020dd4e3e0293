namespace Rotor.Core.Abstractions;

/// <summary>
/// A certificate's lease as its holder knows it: who holds it and the fencing counter it got.
/// Every write of the certificate's rows carries the counter; a write whose counter is no longer
/// the lease's (someone else took the lease) is refused by the store, so a writer that lost its
/// lease (paused, partitioned, too slow to renew) can never overwrite the new holder's work.
/// </summary>
public sealed record Lease(string Certificate, string Owner, long Fencing)
{
    /// <summary>The row key of a certificate's lease in the store's <c>leases</c> table.</summary>
    public static string ResourceOf(string certificate) => "certificate/" + certificate;

    public string Resource => ResourceOf(Certificate);
}

/// <summary>Who holds a lease, and until when (for messages such as "being worked on by ...").</summary>
public sealed record LeaseHolder(string Owner, DateTimeOffset ExpiresAt, long Fencing);

/// <summary>A write under a lease that was taken by someone else. Transient: the new holder goes on.</summary>
public sealed class LeaseLostException(string certificate, string detail)
    : RotorException($"certificate '{certificate}': this Rotor instance no longer holds its lease ({detail}); the write was refused", isTransient: true)
{
    public string Certificate { get; } = certificate;
}

/// <summary>
/// The lease the current flow of work holds (an async-local value, so it follows the work through
/// awaits and parallel loops, and no other flow sees it). The store reads it on every write of a
/// certificate's rows: a write without the certificate's lease is refused as a bug, never done.
/// </summary>
public static class LeaseScope
{
    private static readonly AsyncLocal<Lease?> CurrentLease = new();

    public static Lease? Current => CurrentLease.Value;

    /// <summary>Makes <paramref name="lease"/> the current one until the returned scope is disposed.</summary>
    public static IDisposable Enter(Lease lease)
    {
        var previous = CurrentLease.Value;
        CurrentLease.Value = lease;
        return new Restore(previous);
    }

    /// <summary>The current lease, which must be <paramref name="certificate"/>'s.</summary>
    public static Lease Require(string certificate)
    {
        var lease = CurrentLease.Value;
        if (lease is null || lease.Certificate != certificate)
        {
            throw new InvalidOperationException(
                $"a write to certificate '{certificate}' outside its lease ({(lease is null ? "no lease held" : $"the lease held is '{lease.Certificate}'")})");
        }
        return lease;
    }

    private sealed class Restore(Lease? previous) : IDisposable
    {
        public void Dispose() => CurrentLease.Value = previous;
    }
}
