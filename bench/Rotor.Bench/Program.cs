using System.Globalization;

namespace Rotor.Bench;

/// <summary>
/// Rotor's foundation benchmarks. Each prints human-readable lines and, for the scripts in
/// bench/, <c>key=value</c> lines (invariant culture) that are stable to grep.
/// </summary>
public static class Program
{
    private const string Usage = """
        usage: Rotor.Bench issuance [--seconds N] [--parallelism P]
               Rotor.Bench reconcile-100k [--count N] [--steady-state] [--data DIR] [--keep] [--runs R] [--rotor PATH]
               Rotor.Bench reconcile-pass --data DIR      (internal: one pass in a fresh process)
               Rotor.Bench acme-reconcile --data DIR --manifest FILE [--parallelism P]   (rotor reconcile in-process)
               Rotor.Bench dashboard [--count N] [--requests R] [--data DIR] [--keep]
               Rotor.Bench api-seed --data DIR [--count N]
               Rotor.Bench api-measure --url URL --path PATH [--token-file FILE] [--requests N] [--warmup N] [--label L] [--login]
               Rotor.Bench acme-service --data DIR --manifests DIR [--parallelism P] [--warmup-data DIR --warmup-manifest FILE [--warmup-count N] [--warmup-pause-ms MS] [--settle-ms MS]] [--trace-http]
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        try
        {
            var options = Args.Parse(args.AsSpan(1));
            return args[0] switch
            {
                "issuance" => await IssuanceBench.RunAsync(
                    options.Double("--seconds", 5), options.Int("--parallelism", 2), cts.Token),
                "reconcile-100k" => await Reconcile100kBench.RunAsync(
                    options.Int("--count", 100_000), options.Flag("--steady-state"), options.String("--data"), options.Flag("--keep"),
                    options.Int("--runs", 3), options.String("--rotor"), cts.Token),
                "reconcile-pass" => await ReconcilePassChild.RunAsync(
                    options.String("--data") ?? throw new ArgumentException("--data is required"), cts.Token),
                "dashboard" => await DashboardBench.RunAsync(
                    options.Int("--count", 10_000), options.Int("--requests", 200), options.String("--data"), options.Flag("--keep"), cts.Token),
                "acme-reconcile" => await AcmeReconcile.RunAsync(
                    options.String("--data") ?? throw new ArgumentException("--data is required"),
                    options.String("--manifest") ?? throw new ArgumentException("--manifest is required"),
                    options.Int("--parallelism", 1), cts.Token),
                "acme-service" => await AcmeService.RunAsync(
                    options.String("--data") ?? throw new ArgumentException("--data is required"),
                    options.String("--manifests") ?? throw new ArgumentException("--manifests is required"),
                    options.Int("--parallelism", 4), options.String("--warmup-data"), options.String("--warmup-manifest"),
                    options.Int("--warmup-count", 1), options.Int("--warmup-pause-ms", 0), options.Int("--settle-ms", 0),
                    options.Flag("--trace-http"), cts.Token),
                "api-seed" => await ApiBench.SeedAsync(
                    options.String("--data") ?? throw new ArgumentException("--data is required"), options.Int("--count", 100_000), cts.Token),
                "api-measure" => await ApiBench.MeasureAsync(
                    options.String("--url") ?? throw new ArgumentException("--url is required"), options.String("--token-file"),
                    options.String("--path") ?? throw new ArgumentException("--path is required"), options.Int("--requests", 1000),
                    options.Int("--warmup", 50), options.String("--label") ?? "api", options.Flag("--login"), cts.Token),
                _ => Unknown(args[0]),
            };
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}\n{Usage}");
            return 2;
        }
    }

    private static int Unknown(string command)
    {
        Console.Error.WriteLine($"error: unknown subcommand '{command}'\n{Usage}");
        return 2;
    }

    /// <summary>A figure for the scripts; invariant so a German locale never writes "0,5".</summary>
    internal static void Figure(string key, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}={value:0.###}"));

    internal static string F(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>Plain <c>--name value</c> and <c>--flag</c> arguments; nothing more is needed here.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public static Args Parse(ReadOnlySpan<string> args)
    {
        var result = new Args();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{name}'");
            }
            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            result._values[name] = hasValue ? args[++i] : null;
        }
        return result;
    }

    public bool Flag(string name) => _values.ContainsKey(name);

    public string? String(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback) => String(name) is { } s
        ? int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => String(name) is { } s
        ? double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture) : fallback;
}
