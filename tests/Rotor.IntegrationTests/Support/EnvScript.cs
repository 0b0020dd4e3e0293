using System.ComponentModel;
using System.Diagnostics;
using Rotor.Targets;
using Rotor.Testing;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// Runs a script of tests/env (the labs' starters and helpers) with bash, bounded, through the
/// same child-process runner the targets use, and returns its exit code and output.
/// </summary>
internal static class EnvScript
{
    /// <summary>tests/env/<paramref name="lab"/> of this repository.</summary>
    public static string Folder(string lab) => Path.Combine(Checkout.Root(), "tests", "env", lab);

    public static ProcessStartInfo StartInfo(string folder, string script, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(folder, script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return psi;
    }

    public static async Task<(int Code, string Output)> RunAsync(string folder, string script, IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            // The lab scripts get the test run's whole environment (Rotor's own children get a clean one).
            var psi = StartInfo(folder, script, args, environment);
            var whole = psi.Environment.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!, StringComparer.Ordinal);
            var result = await ChildProcess.RunAsync(psi, whole, timeout, cancellationToken);
            return result.TimedOut
                ? (-1, $"{script} did not finish within {timeout.TotalSeconds:0} s")
                : (result.ExitCode, result.Output + result.Errors);
        }
        catch (Win32Exception e)
        {
            return (-1, $"{script} could not be started: {e.Message}");
        }
    }

    /// <summary>For the lab fixtures' constructors and Dispose, which cannot await.</summary>
    public static (bool Ok, string Output) Run(string folder, string script, IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var (code, output) = RunAsync(folder, script, args, environment, timeout, CancellationToken.None).GetAwaiter().GetResult();
        return (code == 0, output);
    }

    /// <summary>
    /// Whether a test may use a lab. Under CI a missing lab fails the test; on a developer's
    /// machine the test ends early with the reason (test.sh installs and starts everything, so
    /// this only happens outside it).
    /// </summary>
    public static bool Require(bool available, string? problem, string lab)
    {
        if (available) return true;
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(problem);
        }
        Console.Error.WriteLine($"{lab} unavailable, test not run: {problem}");
        return false;
    }
}
