using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;
using Rotor.Telemetry;

namespace Rotor.Commands;

/// <summary>
/// Takes and keeps certificate leases for one Rotor instance. A lease lasts <see cref="Duration"/>
/// and is renewed every <see cref="RenewEvery"/> while its work runs; if a renewal finds the lease
/// gone, the work's token is cancelled (and the store refuses its writes in any case).
/// Thread-safe: the reconciler takes leases from parallel workers.
/// </summary>
public sealed class CertificateLeases(IStore store, TimeProvider time, LeaseOwner owner, ILogger logger)
{
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(15);

    public string Owner => owner.Id;

    /// <summary>The certificate's lease, or null when another live instance holds it.</summary>
    public async Task<HeldLease?> TryAcquireAsync(string certificate, CancellationToken cancellationToken)
    {
        var resource = Lease.ResourceOf(certificate);
        var now = time.GetUtcNow();
        var fencing = await store.TryAcquireLeaseAsync(resource, owner.Id, now, now + Duration, cancellationToken);
        if (fencing is null && await store.GetLeaseAsync(resource, cancellationToken) is { } holder && owner.IsKnownDead(holder.Owner))
        {
            fencing = await store.TakeOverLeaseAsync(resource, holder.Owner, owner.Id, now + Duration, cancellationToken);
            if (fencing is not null) Log.LeaseTakenOver(logger, certificate, holder.Owner);
        }
        return fencing is null ? null : new HeldLease(this, new Lease(certificate, owner.Id, fencing.Value));
    }

    /// <summary>
    /// Ends the leases of Rotor processes on this machine that are gone (kill -9, a crash), so
    /// their certificates are due again at once instead of when the leases would have expired.
    /// </summary>
    public async Task<int> ExpireDeadAsync(CancellationToken cancellationToken)
    {
        var ended = 0;
        foreach (var holder in await store.ListLeaseOwnersAsync(time.GetUtcNow(), cancellationToken))
        {
            if (!owner.IsKnownDead(holder)) continue;
            await store.ExpireLeasesOfAsync(holder, cancellationToken);
            Log.LeasesOfDeadOwnerEnded(logger, holder);
            ended++;
        }
        return ended;
    }

    /// <summary>
    /// The certificate's lease, waiting up to <paramref name="wait"/> for its holder to finish
    /// (the CLI's commands: a user's rollback waits for the pass in progress, it never interleaves).
    /// </summary>
    public async Task<HeldLease> AcquireAsync(string certificate, TimeSpan wait, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            if (await TryAcquireAsync(certificate, cancellationToken) is { } held) return held;
            if (time.GetElapsedTime(started) >= wait)
            {
                var holder = await store.GetLeaseAsync(Lease.ResourceOf(certificate), cancellationToken);
                throw new RotorException(
                    $"certificate '{certificate}' is being worked on by another Rotor process ({holder?.Owner ?? "unknown"}, lease until {holder?.ExpiresAt:u}); " +
                    $"waited {wait.TotalSeconds:0} s; try again when it is done", isTransient: true) { Reason = RotorReasons.Busy };
            }
            await Task.Delay(pause, time, cancellationToken);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 1000));
        }
    }

    /// <summary>Extends the lease; false when it is no longer this instance's (taken after it expired).</summary>
    internal async Task<bool> RenewAsync(Lease lease, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var fencing = await store.TryAcquireLeaseAsync(lease.Resource, owner.Id, now, now + Duration, cancellationToken);
        return fencing == lease.Fencing;
    }

    internal Task ReleaseAsync(Lease lease) => store.ReleaseLeaseAsync(lease.Resource, owner.Id, CancellationToken.None);

    internal TimeProvider Time => time;

    internal ILogger Logger => logger;
}

/// <summary>
/// A lease this instance holds, renewed in the background until disposed (which releases it).
/// <see cref="Lost"/> is cancelled when a renewal finds the lease taken.
/// </summary>
public sealed class HeldLease : IAsyncDisposable
{
    private readonly CertificateLeases _leases;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;

    internal HeldLease(CertificateLeases leases, Lease lease)
    {
        _leases = leases;
        Lease = lease;
        _renewal = Task.Run(RenewLoopAsync);
    }

    public Lease Lease { get; }

    public CancellationToken Lost => _lost.Token;

    private async Task RenewLoopAsync()
    {
        var time = _leases.Time;
        var lastRenewed = time.GetTimestamp();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CertificateLeases.RenewEvery, time, _stop.Token);
                if (!await _leases.RenewAsync(Lease, _stop.Token))
                {
                    Log.LeaseLost(_leases.Logger, Lease.Certificate, Lease.Fencing);
                    await _lost.CancelAsync();
                    return;
                }
                lastRenewed = time.GetTimestamp();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A busy or failing database: keep trying until the lease would have expired.
                if (time.GetElapsedTime(lastRenewed) >= CertificateLeases.Duration)
                {
                    Log.LeaseLost(_leases.Logger, Lease.Certificate, Lease.Fencing);
                    await _lost.CancelAsync();
                    return;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewal.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _leases.ReleaseAsync(Lease);
        _stop.Dispose();
        _lost.Dispose();
    }
}
