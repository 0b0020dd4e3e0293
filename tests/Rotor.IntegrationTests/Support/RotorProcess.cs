using System.Diagnostics;
using System.Text;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// The real <c>rotor</c> executable in its own process (as a user runs it), with its output
/// collected. Killed when disposed, so no test leaves a process behind.
/// </summary>
public sealed class RotorProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();
    private readonly Lock _lock = new();

    private RotorProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_lock) _out.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_lock) _err.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string RotorDll => Path.Combine(AppContext.BaseDirectory, "rotor.dll");

    public static RotorProcess Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        StartExecutable(null, workingDirectory, environment, args);

    /// <summary><paramref name="executable"/> (a published <c>rotor</c>), or <c>dotnet rotor.dll</c> when null.</summary>
    public static RotorProcess StartExecutable(string? executable, string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo(executable ?? "dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (executable is null) psi.ArgumentList.Add(RotorDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["ROTOR_MASTER_KEY"] = null;
        psi.Environment["ROTOR_DATA"] = null;
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return new RotorProcess(Process.Start(psi)!);
    }

    /// <summary>Runs to completion (bounded by <paramref name="timeout"/>) and returns exit code and output.</summary>
    public static Task<(int Code, string Out, string Err)> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args) =>
        RunExecutableAsync(null, workingDirectory, timeout, args);

    /// <summary>As <see cref="RunAsync"/>, with <paramref name="executable"/> (see <see cref="StartExecutable"/>).</summary>
    public static async Task<(int Code, string Out, string Err)> RunExecutableAsync(string? executable, string workingDirectory, TimeSpan timeout, params string[] args)
    {
        using var p = StartExecutable(executable, workingDirectory, null, args);
        var code = await p.WaitForExitAsync(timeout);
        return (code, p.Output, p.Errors);
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Output { get { lock (_lock) return _out.ToString(); } }
    public string Errors { get { lock (_lock) return _err.ToString(); } }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"rotor did not exit within {timeout}; stderr:\n{Errors}");
        }
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as systemd sends on stop.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: no chance to clean up.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
