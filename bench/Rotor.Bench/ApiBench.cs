using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using static Rotor.Bench.Program;

namespace Rotor.Bench;

/// <summary>
/// The operator API and dashboard under a large fleet: <c>api-seed</c> fills a data folder
/// (<see cref="FleetSetup"/>: nothing due), <c>api-measure</c> times sequential GETs against a
/// running <c>rotor run</c> on one kept-alive connection and prints p50/p99/max.
/// </summary>
internal static class ApiBench
{
    public static async Task<int> SeedAsync(string data, int count, CancellationToken ct)
    {
        await FleetSetup.CreateAsync(data, count, steadyState: false, ct);
        Console.WriteLine($"seeded={count}");
        return 0;
    }

    /// <summary>
    /// Times <paramref name="requests"/> GETs of <paramref name="path"/>; a 404 is reported as "not served".
    /// With <paramref name="login"/> the token logs in through the dashboard's login form first and the
    /// session cookie carries the requests (the dashboard takes no bearer tokens).
    /// </summary>
    public static async Task<int> MeasureAsync(string url, string? tokenFile, string path, int requests, int warmup, string label, bool login, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri(url),
        };
        if (login)
        {
            var token = tokenFile is null ? throw new ArgumentException("--login needs --token-file") : (await File.ReadAllTextAsync(tokenFile, ct)).Trim();
            using var answer = await Rotor.Tests.Support.DashboardServer.PostLoginAsync(http, token);
            if (answer.StatusCode != HttpStatusCode.SeeOther)
            {
                Console.WriteLine($"{label}: the dashboard login answered {(int)answer.StatusCode}");
                return 1;
            }
        }
        else if (tokenFile is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(tokenFile, ct)).Trim());
        }
        using (var probe = await http.GetAsync(path, ct))
        {
            if (probe.StatusCode == HttpStatusCode.NotFound)
            {
                Console.WriteLine($"{label}: not served (404 at {path})");
                Console.WriteLine($"{label}_served=0");
                return 0;
            }
            if (!probe.IsSuccessStatusCode)
            {
                Console.WriteLine($"{label}: {path} answered {(int)probe.StatusCode}");
                return 1;
            }
        }
        for (var i = 0; i < warmup; i++) await (await http.GetAsync(path, ct)).Content.ReadAsByteArrayAsync(ct);
        var times = new double[requests];
        long bytes = 0;
        for (var i = 0; i < requests; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(path, ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{path}: {(int)response.StatusCode}");
            bytes += body.Length;
        }
        Array.Sort(times);
        double P(double q) => times[Math.Min(times.Length - 1, (int)Math.Ceiling(q * times.Length) - 1)];
        Console.WriteLine($"{label}: {requests} GET {path}: p50 {F(P(0.50), "0.00")} ms, p99 {F(P(0.99), "0.00")} ms, max {F(times[^1], "0.00")} ms, " +
            $"{F(bytes / (double)requests / 1024, "0.0")} KiB each");
        Console.WriteLine($"{label}_served=1");
        Console.WriteLine($"{label}_p50_ms={F(P(0.50), "0.00")}");
        Console.WriteLine($"{label}_p99_ms={F(P(0.99), "0.00")}");
        return 0;
    }
}
