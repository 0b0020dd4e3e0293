using System.Diagnostics;

namespace Rotor.IntegrationTests.Support;

/// <summary>Runs a script of tests/env/sip to completion, bounded, and returns its exit code and output.</summary>
internal static class SipEnvScript
{
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
        using var p = Process.Start(StartInfo(folder, script, args, environment))!;
        var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await p.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            return (-1, $"{script} did not finish within {timeout.TotalSeconds:0} s");
        }
        return (p.ExitCode, await stdout + await stderr);
    }
}
