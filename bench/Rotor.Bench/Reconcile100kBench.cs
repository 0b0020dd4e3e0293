using System.Globalization;
using static Rotor.Bench.Program;

namespace Rotor.Bench;

/// <summary>
/// A large fleet with nothing due: what does a <c>rotor reconcile</c> (cron, systemd timer) cost?
/// Everything measured runs in fresh processes, so nothing the setup cached or jitted helps.
/// </summary>
internal static class Reconcile100kBench
{
    private const double PassTargetMs = 500;
    private const double RssTargetMiB = 300;

    /// <summary>Exit code when a measured process fails, as opposed to 1 for a missed target.</summary>
    private const int BrokenRun = 3;

    public static async Task<int> RunAsync(int count, bool steadyState, string? data, bool keep, int runs, string? rotor, CancellationToken cancellationToken)
    {
        rotor ??= Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "Rotor", "release", "rotor"));
        if (!File.Exists(rotor))
        {
            throw new ArgumentException($"rotor executable not found at {rotor} (build src/Rotor -c Release or pass --rotor PATH)");
        }
        var dataDirectory = data is null
            ? Directory.CreateTempSubdirectory("rotor-bench-100k-").FullName
            : Path.GetFullPath(data);
        if (File.Exists(Path.Combine(dataDirectory, "rotor.db")))
        {
            throw new ArgumentException($"{dataDirectory} holds a store already; give an empty or new folder");
        }
        try
        {
            Console.WriteLine($"reconcile benchmark: {count} certificates, none due{(steadyState ? ", each with an active version and a key file" : ", no versions or keys")}; data folder {dataDirectory}; {Environment.ProcessorCount} CPU(s)");
            await FleetSetup.CreateAsync(dataDirectory, count, steadyState, cancellationToken);
            var dbMiB = new FileInfo(Path.Combine(dataDirectory, "rotor.db")).Length / 1048576.0;
            Console.WriteLine($"  setup: rotor.db {F(dbMiB)} MiB");

            // 1. The whole command, as cron runs it: process start, open, key sweep, passes, exit.
            var walls = new List<double>();
            var rotorRss = 0.0;
            var rotorSays = "";
            for (var i = 0; i < runs; i++)
            {
                var (exit, output, error, elapsed, rss) = await ProcessStats.RunMeasuredAsync(rotor, ["reconcile", "--data", dataDirectory], cancellationToken);
                if (exit != 0 || !output.Contains("reconciled 0 due", StringComparison.Ordinal))
                {
                    await Console.Error.WriteLineAsync($"rotor reconcile failed (exit {exit}):\n{output}{error}");
                    return BrokenRun;
                }
                walls.Add(elapsed.TotalMilliseconds);
                rotorRss = Math.Max(rotorRss, rss);
                rotorSays = output.Trim();
            }
            Console.WriteLine($"  `rotor reconcile --data DIR` wall time: {Runs(walls)} ms; peak RSS {F(rotorRss)} MiB; it said: \"{rotorSays}\"");

            // 2. The same steps timed one by one inside a fresh process (see ReconcilePassChild).
            var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this program's path");
            var opens = new List<double>();
            var sweeps = new List<double>();
            var passes = new List<double>();
            var warm = new List<double>();
            var passRss = 0.0;
            for (var i = 0; i < runs; i++)
            {
                var (exit, output, error, _) = await ProcessStats.RunAsync(self, ["reconcile-pass", "--data", dataDirectory], cancellationToken);
                var figures = ParseFigures(output);
                if (exit != 0 || figures.GetValueOrDefault("processed", -1) != 0 || figures.GetValueOrDefault("swept", -1) != 0)
                {
                    await Console.Error.WriteLineAsync($"reconcile-pass failed (exit {exit}):\n{output}{error}");
                    return BrokenRun;
                }
                opens.Add(figures["open_ms"]);
                sweeps.Add(figures["sweep_ms"]);
                passes.Add(figures["pass_ms"]);
                warm.Add(figures["warm_pass_ms"]);
                passRss = Math.Max(passRss, figures["peak_rss_mib"]);
            }
            Console.WriteLine($"  in a fresh process: RotorHost.OpenAsync {Runs(opens)} ms; SweepKeysAsync {Runs(sweeps)} ms; first RunPassAsync {Runs(passes)} ms; second (warm) {Runs(warm)} ms; peak RSS {F(passRss)} MiB");

            var passWorst = passes.Max();
            var rssWorst = Math.Max(rotorRss, passRss);
            var passOk = passWorst <= PassTargetMs;
            var rssOk = rssWorst <= RssTargetMiB;
            Console.WriteLine($"  {(passOk ? "PASS" : "FAIL")} reconcile pass (slowest of {runs} fresh processes) {F(passWorst)} ms (target <= {F(PassTargetMs, "0")} ms)");
            Console.WriteLine($"  {(rssOk ? "PASS" : "FAIL")} peak RSS (largest of rotor reconcile and the pass process) {F(rssWorst)} MiB (target <= {F(RssTargetMiB, "0")} MiB)");
            Figure("certificates", count);
            Figure("reconcile_wall_ms", Median(walls));
            Figure("reconcile_wall_max_ms", walls.Max());
            Figure("rotor_reconcile_peak_rss_mib", rotorRss);
            Figure("open_ms", Median(opens));
            Figure("sweep_ms", Median(sweeps));
            Figure("pass_ms", Median(passes));
            Figure("pass_max_ms", passWorst);
            Figure("warm_pass_ms", Median(warm));
            Figure("pass_process_peak_rss_mib", passRss);
            Figure("pass_target_met", passOk ? 1 : 0);
            Figure("rss_target_met", rssOk ? 1 : 0);
            return passOk && rssOk ? 0 : 1;
        }
        finally
        {
            if (keep)
            {
                Console.WriteLine($"  kept data folder {dataDirectory}");
            }
            else
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    private static Dictionary<string, double> ParseFigures(string output)
    {
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && double.TryParse(line[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                figures[line[..eq]] = value;
            }
        }
        return figures;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>"median (min..max)", so a reader sees the spread without a table.</summary>
    private static string Runs(List<double> values) =>
        values.Count == 1 ? F(values[0]) : $"{F(Median(values))} (min {F(values.Min())}, max {F(values.Max())}, {values.Count} runs)";
}
