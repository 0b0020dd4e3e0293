using Rotor.Core.Abstractions;
using Rotor.Issuers;
using Rotor.Telemetry;

namespace Rotor.Scheduling;

public sealed partial class Reconciler
{
    /// <summary>
    /// The start-up safety net for keys left by an interrupted issuance. A key file is deleted only
    /// when the store recorded the intent to make it (for a certificate), no version holds it and no
    /// issuance is pending with it, checked again under that certificate's lease. A key the store has
    /// no record of is reported and kept: a store restored from an old backup, or one that is not this
    /// folder's, must never cost a user the keys in service. Returns (deleted, kept unknown).
    /// </summary>
    public async Task<(int Deleted, int Unknown)> SweepKeysAsync(CancellationToken cancellationToken)
    {
        var files = (await keys.ListAsync(cancellationToken))
            .Where(k => k is not LocalCa.RootKeyRef and not LocalCa.IntermediateKeyRef && !k.StartsWith("account-", StringComparison.Ordinal))
            .ToList();
        if (files.Count == 0) return (0, 0);
        var referenced = await store.ListReferencedKeysAsync(cancellationToken);
        var stray = files.Where(k => !referenced.Contains(k)).ToList();
        if (stray.Count == 0) return (0, 0);
        var intents = await store.ListKeyIntentsAsync(cancellationToken);
        var deleted = 0;
        var unknown = 0;
        foreach (var keyRef in stray)
        {
            if (!intents.TryGetValue(keyRef, out var certificate))
            {
                Log.UnknownKeyKept(logger, keyRef);
                unknown++;
                continue;
            }
            // Under the certificate's lease: an issuance in another process may be about to use the key.
            await using var held = await Leases.TryAcquireAsync(certificate, cancellationToken);
            if (held is null) continue;
            using var scope = LeaseScope.Enter(held.Lease);
            if ((await store.ListReferencedKeysAsync(cancellationToken)).Contains(keyRef)) continue;
            await keys.DeleteAsync(keyRef, cancellationToken);
            await store.ForgetKeyIntentAsync(keyRef, certificate, cancellationToken);
            Log.StrayKeyDeleted(logger, keyRef);
            deleted++;
        }
        return (deleted, unknown);
    }
}
