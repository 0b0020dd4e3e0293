namespace Rotor.Tests.Fuzz;

/// <summary>
/// Sizes the property/fuzz runs and records how many inputs each one tried.
/// The test command runs them CI-sized; <c>ROTOR_FUZZ_SCALE=N</c> multiplies every count for a
/// longer run (README, "Fuzzing"). When <c>ROTOR_FUZZ_REPORT</c> names a file, each run appends
/// one line to it ("fuzz TARGET: N inputs"), which the test command prints before its total.
/// A failing input makes the test fail with the (shrunk) input; it then becomes a regression test.
/// </summary>
public static class FuzzRun
{
    public const string ScaleVariable = "ROTOR_FUZZ_SCALE";
    public const string ReportVariable = "ROTOR_FUZZ_REPORT";

    private static readonly Lock ReportLock = new();

    public static int Scale =>
        int.TryParse(Environment.GetEnvironmentVariable(ScaleVariable), out var s) && s > 0 ? s : 1;

    /// <summary>The number of inputs for a run whose CI size is <paramref name="ciSized"/>.</summary>
    public static int Iterations(int ciSized) => checked(ciSized * Scale);

    /// <summary>Notes that <paramref name="target"/> tried <paramref name="inputs"/> inputs and none failed.</summary>
    public static void Record(string target, long inputs)
    {
        if (Environment.GetEnvironmentVariable(ReportVariable) is not { Length: > 0 } report) return;
        lock (ReportLock)
        {
            File.AppendAllText(report, $"fuzz {target}: {inputs} inputs, 0 failures\n");
        }
    }
}
