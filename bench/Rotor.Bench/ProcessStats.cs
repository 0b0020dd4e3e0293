using System.Diagnostics;
using System.Globalization;

namespace Rotor.Bench;

/// <summary>Peak memory of this process and of children, and running children to their end.</summary>
internal static class ProcessStats
{
    /// <summary>VmHWM ("high water mark" of the resident set) from /proc/self/status, in MiB.</summary>
    public static double PeakRssMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kib = line["VmHWM:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        throw new InvalidOperationException("no VmHWM line in /proc/self/status");
    }

    /// <summary>
    /// Runs a program under GNU time and returns its peak RSS in MiB as well. Not getrusage
    /// (RUSAGE_CHILDREN) here: Linux carries the parent's high-water mark into a child at exec,
    /// so a child of this (large) process would report this process's peak; GNU time is small.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Error, TimeSpan Elapsed, double PeakRssMiB)> RunMeasuredAsync(
        string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        if (!File.Exists(GnuTime))
        {
            throw new ArgumentException($"{GnuTime} is needed to measure a child's peak RSS (Debian/Ubuntu package 'time')");
        }
        var report = Path.GetTempFileName();
        try
        {
            var result = await RunAsync(GnuTime, ["-f", "%M", "-o", report, fileName, .. arguments], cancellationToken);
            var lines = await File.ReadAllLinesAsync(report, cancellationToken);
            var kib = long.Parse(lines.Last(l => l.Length > 0).Trim(), CultureInfo.InvariantCulture);
            return (result.ExitCode, result.Output, result.Error, result.Elapsed, kib / 1024.0);
        }
        finally
        {
            File.Delete(report);
        }
    }

    /// <summary>Runs a program to its end; returns its exit code, output and wall time.</summary>
    public static async Task<(int ExitCode, string Output, string Error, TimeSpan Elapsed)> RunAsync(
        string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return (process.ExitCode, await output, await error, elapsed);
    }

    private const string GnuTime = "/usr/bin/time";
}
