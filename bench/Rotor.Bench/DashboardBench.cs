using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rotor.Dashboard;
using Rotor.Scheduling;
using Rotor.Tests.Support;
using static Rotor.Bench.Program;

namespace Rotor.Bench;

/// <summary>
/// The dashboard's pages over a fleet of <c>count</c> certificates (each with an active version,
/// as after its first issuance): the inventory <c>/</c> (first page, a page deep in the list, a
/// status filter, a name filter) and one certificate's page, each requested <c>requests</c> times
/// in a row by one logged-in client over loopback HTTP after a warm-up; p50/p95/p99/max per page.
/// </summary>
internal static class DashboardBench
{
    public static async Task<int> RunAsync(int count, int requests, string? data, bool keep, CancellationToken cancellationToken)
    {
        var folder = data ?? Path.Combine(Path.GetTempPath(), $"rotor-dashboard-bench-{Environment.ProcessId}");
        var created = !Directory.Exists(Path.Combine(folder, "rotor.db"));
        try
        {
            if (!File.Exists(Path.Combine(folder, "rotor.db")))
            {
                await FleetSetup.CreateAsync(folder, count, steadyState: true, cancellationToken);
            }
            using var loggers = LoggerFactory.Create(_ => { });
            await using var host = await RotorHost.OpenAsync(folder, TimeProvider.System, loggers, new ReconcilerOptions(), cancellationToken);
            await using var server = await DashboardServer.StartAsync(host, new Dictionary<string, DashboardPrincipal>
            {
                ["bench-token"] = new("bench", "viewer", CanAct: false),
            });
            using var client = await server.LoginAsync("bench-token");
            var middle = count / 2 / InventoryPage.PageSize;
            var pages = new (string Key, string Path)[]
            {
                ("inventory", "/"),
                ("inventory_deep_page", $"/?page={middle}"),
                ("inventory_status_filter", "/?status=Ready&page=3"),
                ("inventory_name_filter", "/?q=" + Uri.EscapeDataString(FleetSetup.CertificateName(count / 3)[..^1])),
                ("certificate", "/certificates/" + Uri.EscapeDataString(FleetSetup.CertificateName(count / 2))),
            };
            var failed = false;
            foreach (var (key, path) in pages)
            {
                var times = new double[requests];
                for (var i = 0; i < requests / 10 + 5; i++) await GetAsync(client, path, cancellationToken); // warm-up
                var bytes = 0;
                for (var i = 0; i < requests; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    bytes = await GetAsync(client, path, cancellationToken);
                    times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
                Array.Sort(times);
                double P(double q) => times[Math.Clamp((int)Math.Ceiling(q * times.Length) - 1, 0, times.Length - 1)];
                Console.WriteLine($"  {path,-40} p50 {F(P(0.5), "0.00")} ms, p95 {F(P(0.95), "0.00")} ms, p99 {F(P(0.99), "0.00")} ms, max {F(times[^1], "0.00")} ms ({bytes / 1024} KiB)");
                Figure(key + "_p50_ms", P(0.5));
                Figure(key + "_p99_ms", P(0.99));
                failed |= P(0.99) > 100;
            }
            Figure("certificates", count);
            return failed ? 1 : 0;
        }
        finally
        {
            if (created && !keep && data is null) Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int> GetAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(path, cancellationToken);
        if (response.StatusCode != System.Net.HttpStatusCode.OK) throw new InvalidOperationException($"GET {path}: {response.StatusCode}");
        return (await response.Content.ReadAsByteArrayAsync(cancellationToken)).Length;
    }
}
