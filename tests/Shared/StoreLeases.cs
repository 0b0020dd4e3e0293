using Rotor.Core.Abstractions;

namespace Rotor.Tests.Support;

/// <summary>
/// Tests that write a certificate's rows straight into a store do it as Rotor does: under the
/// certificate's lease (the store refuses the write otherwise).
/// </summary>
public static class StoreLeases
{
    public const string TestOwner = "test/lease-owner";

    public static async Task UnderLeaseAsync(this IStore store, string certificate, Func<Task> work)
    {
        var resource = Lease.ResourceOf(certificate);
        var now = TimeProvider.System.GetUtcNow();
        var fencing = await store.TryAcquireLeaseAsync(resource, TestOwner, now, now.AddHours(1), default)
            ?? throw new InvalidOperationException($"certificate '{certificate}' is leased by someone else");
        try
        {
            using (LeaseScope.Enter(new Lease(certificate, TestOwner, fencing)))
            {
                await work();
            }
        }
        finally
        {
            await store.ReleaseLeaseAsync(resource, TestOwner, default);
        }
    }

    public static async Task<T> UnderLeaseAsync<T>(this IStore store, string certificate, Func<Task<T>> work)
    {
        var result = default(T)!;
        Func<Task> body = async () => result = await work();
        await store.UnderLeaseAsync(certificate, body);
        return result;
    }
}
