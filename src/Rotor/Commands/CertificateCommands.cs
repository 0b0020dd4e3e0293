using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Commands;

/// <summary>
/// The user's changes to a certificate (renew, rotate, rollback, key import), each under the
/// certificate's lease like the reconciler's own work: a command given while a pass works on the
/// certificate waits for it (up to <see cref="Wait"/>), never interleaves with it.
/// </summary>
public sealed class CertificateCommands(RotorHost host)
{
    /// <summary>How long a command waits for another process's work on the certificate to end.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="work"/> under the certificate's lease; its token ends if the lease is lost.</summary>
    public async Task<T> UnderLeaseAsync<T>(string certificate, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var held = await host.Reconciler.Leases.AcquireAsync(certificate, Wait, cancellationToken);
        using var scope = LeaseScope.Enter(held.Lease);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, held.Lost);
        return await work(linked.Token);
    }

    /// <summary>Marks the certificate for renewal (or rotation) now; false when there is no such certificate.</summary>
    public async Task<bool> RequestRenewalAsync(string name, bool skipKeyUpdateWindow, string reason, string message, CancellationToken cancellationToken)
    {
        if (await host.Store.GetResourceAsync(ResourceKinds.Certificate, name, cancellationToken) is null) return false;
        await UnderLeaseAsync(name, async ct =>
        {
            var at = host.Time.GetUtcNow();
            var status = await host.Store.GetStatusAsync(name, ct) ?? new CertificateStatus { Name = name };
            await host.Store.SaveStatusAsync(status with { RenewRequested = true, RenewNow = skipKeyUpdateWindow || status.RenewNow, NextDueAt = at, Failures = 0 }, ct);
            await host.Store.AppendEventAsync(new EventRecord(0, at, ResourceKinds.Certificate, name, EventType.Normal, reason, message), ct);
            return true;
        }, cancellationToken);
        host.Wake();
        return true;
    }

    /// <summary>
    /// Stores a user's key for the certificate's next version (<c>rotor key import</c>) and asks for
    /// that version when one is in service already (the return value). A key imported earlier and
    /// never used is deleted.
    /// </summary>
    public Task<bool> ImportKeyAsync(string name, System.Security.Cryptography.AsymmetricAlgorithm key, CancellationToken cancellationToken) =>
        UnderLeaseAsync(name, async ct =>
        {
            var keyRef = Keys.KeyRefs.Imported(name);
            var now = host.Time.GetUtcNow();
            // Recorded before the file exists, as for a generated key (DESIGN.md, Safety rules).
            await host.Store.RecordKeyIntentAsync(keyRef, name, now, ct);
            await host.Keys.ImportAsync(keyRef, key, ct);
            var status = await host.Store.GetStatusAsync(name, ct) ?? new CertificateStatus { Name = name };
            var replaced = status.PendingKeyRef;
            var renewing = status.CurrentVersionId is not null;
            await host.Store.SaveStatusAsync(status with { PendingKeyRef = keyRef, RenewRequested = status.RenewRequested || renewing, NextDueAt = now, Failures = 0 }, ct);
            if (replaced is not null && replaced != keyRef)
            {
                // A key imported or generated earlier for a version that was never issued.
                await host.Keys.DeleteAsync(replaced, ct);
                await host.Store.ForgetKeyIntentAsync(replaced, name, ct);
            }
            return renewing;
        }, cancellationToken);

    /// <summary>A user's rollback (see <see cref="Scheduling.Reconciler.RollbackAsync"/>), under the lease.</summary>
    public async Task<string> RollbackAsync(string name, CancellationToken cancellationToken)
    {
        if (await host.Store.GetResourceAsync(ResourceKinds.Certificate, name, cancellationToken) is null)
        {
            throw new RotorException($"certificate '{name}' not found", isTransient: false) { Reason = RotorReasons.NotFound };
        }
        var result = await UnderLeaseAsync(name, ct => host.Reconciler.RollbackAsync(name, ct), cancellationToken);
        host.Wake();
        return result;
    }
}
