using Rotor.Cli;
using Rotor.Scheduling;

namespace Rotor;

public static class Program
{
    /// <summary>
    /// Fault injection for crash-safety tests: when set to a file path, Rotor writes that file
    /// after a new version is stored and before it is deployed, then waits there until killed.
    /// </summary>
    public const string PauseAfterIssueVariable = "ROTOR_FAULT_PAUSE_AFTER_ISSUE";

    public static Task<int> Main(string[] args)
    {
        ReconcilerOptions? options = null;
        if (Environment.GetEnvironmentVariable(PauseAfterIssueVariable) is { Length: > 0 } marker)
        {
            options = new ReconcilerOptions
            {
                AfterIssue = async (name, ct) =>
                {
                    await File.WriteAllTextAsync(marker, name, ct);
                    await Task.Delay(Timeout.Infinite, ct);
                },
            };
        }
        return RotorCli.InvokeAsync(args, Console.Out, Console.Error, TimeProvider.System, options);
    }
}
