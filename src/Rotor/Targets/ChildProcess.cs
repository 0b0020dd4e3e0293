using System.ComponentModel;
using System.Diagnostics;

namespace Rotor.Targets;

/// <summary>What a child process left behind: its exit code and output, or that it was killed at the timeout.</summary>
internal sealed record ChildProcessResult(int ExitCode, string Output, string Errors, bool TimedOut);

/// <summary>
/// Runs the programs targets call to make a server take new files (a reload command, kamcmd):
/// no shell of its own, stdin closed, both outputs captured, killed with its children at the
/// timeout. A program that cannot be started at all is a <see cref="Win32Exception"/>.
/// The child gets a clean environment (<see cref="ChildEnvironment"/>), never Rotor's own.
/// </summary>
internal static class ChildProcess
{
    public static async Task<ChildProcessResult> RunAsync(ProcessStartInfo start, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ChildEnvironment.Apply(start, environment);
        start.UseShellExecute = false;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new Win32Exception($"{start.FileName} did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return new ChildProcessResult(-1, "", "", TimedOut: true);
        }
        return new ChildProcessResult(process.ExitCode, await stdout, await stderr, TimedOut: false);
    }
}

/// <summary>
/// What a child process (reload command, kamcmd, getent) may see of the environment: PATH and
/// the variables its caller names (the documented ROTOR_* ones), nothing else. Rotor's own
/// environment holds the master key (ROTOR_MASTER_KEY) and every secret a secretRef reads
/// from an environment variable; a reload script that logs <c>env</c> must not see them.
/// </summary>
internal static class ChildEnvironment
{
    /// <summary>PATH when Rotor itself runs without one (as under some service managers).</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static void Apply(ProcessStartInfo start, IReadOnlyDictionary<string, string>? variables)
    {
        var path = Environment.GetEnvironmentVariable("PATH");
        start.Environment.Clear();
        start.Environment["PATH"] = string.IsNullOrEmpty(path) ? DefaultPath : path;
        foreach (var (name, value) in variables ?? new Dictionary<string, string>())
        {
            if (name == Keys.MasterKey.EnvironmentVariable) continue;
            start.Environment[name] = value;
        }
    }
}
