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
        return RunAsync(args, options);
    }

    /// <summary>How long a stopped command may take to end at its next await before the process exits anyway.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs the command; SIGTERM and SIGINT cancel it. A command that does not end within
    /// <see cref="StopGrace"/> (blocked in a read the kernel does not interrupt, such as an unopened
    /// FIFO) is left behind and the process exits 130: every write Rotor makes is atomic, so there
    /// is nothing half-done to finish. <c>rotor run</c> treats the stop as its normal end (exit 0).
    /// </summary>
    private static async Task<int> RunAsync(string[] args, ReconcilerOptions? options)
    {
        using var stop = new CancellationTokenSource();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true; // the command ends itself, through its token
            stopped.TrySetResult();
            stop.Cancel();
        }
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
        // On the thread pool: a command may block before its first await (opening a FIFO), and the
        // wait for the stop below must still run.
        var command = Task.Run(() => RotorCli.InvokeAsync(args, Console.Out, Console.Error, TimeProvider.System, options, stop.Token));
        var grace = stopped.Task.ContinueWith(_ => Task.Delay(StopGrace), TaskScheduler.Default).Unwrap();
        if (await Task.WhenAny(command, grace) == command) return await command;
        await Console.Error.WriteLineAsync("error: stopped before it finished; nothing was left half-written (run the command again to finish)");
        return ExitCodes.Cancelled;
    }
}
