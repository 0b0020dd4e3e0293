using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rotor;

/// <summary>
/// The system trust store, loaded ahead of need. On Linux .NET reads and parses every file of
/// /etc/ssl/certs the first time a process builds a certificate chain, whatever the chain's
/// trust mode: the first TLS handshake (an ACME server, a CMP server, a probe) or the first
/// validation of an issued certificate pays for it. That is about 0.1 s of CPU, as long as the
/// rest of a native `rotor reconcile` together. Commands that will make TLS connections start
/// the load on a background thread at once, so it runs beside opening the data folder and
/// reading manifests; a chain built meanwhile waits for the same load rather than starting another.
/// </summary>
internal static class SystemTrust
{
    private static int _started;

    /// <summary>Starts loading the system trust store in the background; later calls do nothing.</summary>
    public static void StartLoading()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) return;
        new Thread(Load) { IsBackground = true, Name = "rotor-system-trust" }.Start();
    }

    private static void Load()
    {
        try
        {
            // The machine root store is the cache chain building reads (its certificates are copies).
            using var store = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            foreach (var certificate in store.Certificates)
            {
                certificate.Dispose();
            }
        }
        catch (CryptographicException)
        {
            // No readable system store: whoever needs it reports that when it builds a chain.
        }
    }
}
