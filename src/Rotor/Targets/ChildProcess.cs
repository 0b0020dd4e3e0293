using System.ComponentModel;
using System.Diagnostics;

namespace Rotor.Targets;

/// <summary>What a child process left behind: its exit code and output, or that it was killed at the timeout.</summary>
internal sealed record ChildProcessResult(int ExitCode, string Output, string Errors, bool TimedOut);

/// <summary>
/// Runs the programs targets call to make a server take new files (a reload command, kamcmd):
/// no shell of its own, stdin closed, both outputs captured, killed with its children at the
/// timeout. A program that cannot be started at all is a <see cref="Win32Exception"/>.
/// </summary>
internal static class ChildProcess
{
    public static async Task<ChildProcessResult> RunAsync(ProcessStartInfo start, TimeSpan timeout, CancellationToken cancellationToken)
    {
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
