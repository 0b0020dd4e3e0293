using System.Diagnostics;
using System.Globalization;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Targets;

/// <summary>Makes a server pick up new files: a shell command, or a signal to the pid in a pid file.</summary>
internal static class ReloadAction
{
    private const int OutputTail = 400;

    public static async Task RunAsync(ReloadSpec reload, string workingDirectory, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        if (reload.Command is { } command)
        {
            await RunCommandAsync(command, reload.Timeout, workingDirectory, environment, cancellationToken);
            return;
        }
        var pidFile = Path.GetFullPath(Path.Combine(workingDirectory, reload.PidFile!));
        // A pid file holds a number; 4 KiB bounds a wrong path (a device, a log file).
        var (read, error) = await IO.BoundedFile.ReadTextAsync(pidFile, 4096, cancellationToken);
        var text = read?.Trim() ?? throw new RotorException($"reload: pid file: {error}", isTransient: true) { Reason = RotorReasons.ReloadFailed };
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 1)
        {
            throw new RotorException($"reload: pid file '{pidFile}' does not hold a process id", isTransient: true) { Reason = RotorReasons.ReloadFailed };
        }
        Signals.TryParse(reload.Signal!, out var number);
        FileOwnership.Signal(pid, number);
    }

    private static async Task RunCommandAsync(string command, TimeSpan timeout, string workingDirectory, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", command]) { WorkingDirectory = workingDirectory };
        ChildProcessResult result;
        try
        {
            result = await ChildProcess.RunAsync(psi, environment, timeout, cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new RotorException("reload: cannot start /bin/sh", isTransient: true) { Reason = RotorReasons.ReloadFailed };
        }
        if (result.TimedOut)
        {
            throw new RotorException($"reload command timed out after {DurationParser.Format(timeout)}", isTransient: true) { Reason = RotorReasons.ReloadFailed };
        }
        if (result.ExitCode != 0)
        {
            var err = result.Errors.Trim();
            if (err.Length == 0) err = result.Output.Trim();
            if (err.Length > OutputTail) err = "..." + err[^OutputTail..];
            throw new RotorException($"reload command exited with code {result.ExitCode}" + (err.Length > 0 ? $": {err}" : ""), isTransient: true)
            { Reason = RotorReasons.ReloadFailed };
        }
    }
}
