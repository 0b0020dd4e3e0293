using Rotor.Cli;
using Rotor.Scheduling;

namespace Rotor;

public static class Program
{
    /// <summary>
    /// Fault injection for crash-safety tests: ROTOR_FAULT_PAUSE_AT names a point of issuance
    /// (after-key, after-issue); when Rotor reaches it, it writes the certificate's name to the
    /// file named by ROTOR_FAULT_MARKER and waits there until it is killed.
    /// </summary>
    public const string PauseAtVariable = "ROTOR_FAULT_PAUSE_AT";
    public const string MarkerVariable = "ROTOR_FAULT_MARKER";

    public static Task<int> Main(string[] args)
    {
        ReconcilerOptions? options = null;
        if (Environment.GetEnvironmentVariable(PauseAtVariable) is { Length: > 0 } pauseAt
            && Environment.GetEnvironmentVariable(MarkerVariable) is { Length: > 0 } marker)
        {
            options = new ReconcilerOptions
            {
                FaultPoint = async (point, name, ct) =>
                {
                    if (point != pauseAt) return;
                    await File.WriteAllTextAsync(marker, name, ct);
                    await Task.Delay(Timeout.Infinite, ct);
                },
            };
        }
        return RotorCli.InvokeAsync(args, Console.Out, Console.Error, TimeProvider.System, options);
    }
}
