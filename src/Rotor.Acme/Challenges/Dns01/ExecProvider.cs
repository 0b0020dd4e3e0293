using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Rotor.Acme.Challenges.Dns01;

/// <summary>Which program <see cref="ExecProvider"/> runs, and how.</summary>
public sealed class ExecProviderOptions
{
    /// <summary>The program (usually a script with a <c>#!</c> line), run directly without a shell, like lego's <c>EXEC_PATH</c>.</summary>
    public required string Program { get; init; }

    /// <summary><see cref="Dns01HookMode.Raw"/> is lego's <c>EXEC_MODE=RAW</c>; also set in the script's environment.</summary>
    public Dns01HookMode Mode { get; init; } = Dns01HookMode.Default;

    /// <summary>How long one run may take before it is killed (with its children). Default 60 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The script's environment besides PATH (API tokens and the like); the values are never shown.
    /// Nothing else of the calling process's environment reaches the script.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public override string ToString() => $"exec {Program}";
}

/// <summary>
/// Runs a script in lego's exec convention, so existing lego exec scripts work unchanged:
/// <c>PROGRAM present _acme-challenge.example.com. VALUE</c> and <c>PROGRAM cleanup ...</c>
/// (the FQDN with the trailing dot, after CNAME delegation), or in RAW mode
/// <c>PROGRAM present example.com TOKEN KEYAUTH</c>. Exit code 0 is success; otherwise the
/// error carries the exit code and the end of stderr.
/// </summary>
public sealed class ExecProvider(ExecProviderOptions options, TimeProvider? timeProvider = null) : IDns01RawProvider
{
    /// <summary>How much of the script's output goes into an error message.</summary>
    internal const int TailChars = 1000;

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public bool IsRaw => options.Mode == Dns01HookMode.Raw;

    public Task AddTxtAsync(string recordName, string zone, string value, CancellationToken cancellationToken) =>
        RunAsync(["present", DnsNames.Normalize(recordName), value], $"present {DnsNames.Normalize(recordName)}", cancellationToken);

    public Task RemoveTxtAsync(string recordName, string zone, string value, CancellationToken cancellationToken) =>
        RunAsync(["cleanup", DnsNames.Normalize(recordName), value], $"cleanup {DnsNames.Normalize(recordName)}", cancellationToken);

    // The key authorization stays out of messages: only the action and the domain are described.
    public Task PresentRawAsync(string domain, string token, string keyAuthorization, CancellationToken cancellationToken) =>
        RunAsync(["present", domain, token, keyAuthorization], $"present {domain} (raw)", cancellationToken);

    public Task CleanupRawAsync(string domain, string token, string keyAuthorization, CancellationToken cancellationToken) =>
        RunAsync(["cleanup", domain, token, keyAuthorization], $"cleanup {domain} (raw)", cancellationToken);

    private async Task RunAsync(string[] arguments, string what, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(options.Program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        // A clean environment: PATH and what the options give, never the caller's own (which may
        // hold a master key or the secrets of other solvers).
        var path = System.Environment.GetEnvironmentVariable("PATH");
        start.Environment.Clear();
        start.Environment["PATH"] = string.IsNullOrEmpty(path) ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" : path;
        foreach (var (name, value) in options.Environment) start.Environment[name] = value;
        if (IsRaw) start.Environment["EXEC_MODE"] = "RAW";

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process started");
        }
        catch (Win32Exception e)
        {
            throw Dns01Causes.Fail(Dns01Causes.Exec, $"cannot run exec script {options.Program} ({what}): {e.Message}", transient: false, e);
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = ReadTailAsync(process.StandardOutput);
            var stderr = ReadTailAsync(process.StandardError);
            using var timeout = new CancellationTokenSource(options.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await process.WaitForExitAsync(linked.Token);
            }
            catch (OperationCanceledException)
            {
                Kill(process);
                cancellationToken.ThrowIfCancellationRequested();
                throw Dns01Causes.Fail(Dns01Causes.Exec,
                    $"exec script {options.Program} {what} did not finish within {DnsNames.Seconds(options.Timeout)} and was killed{Tail(await OutputAsync(stderr, stdout))}",
                    transient: true);
            }
            var output = await OutputAsync(stderr, stdout);
            if (process.ExitCode != 0)
            {
                throw Dns01Causes.Fail(Dns01Causes.Exec, $"exec script {options.Program} {what} failed with exit code {process.ExitCode}{Tail(output)}", transient: false);
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
    }

    /// <summary>stderr's tail, or stdout's when stderr is empty; bounded in time because a leftover grandchild can hold the pipes open.</summary>
    private static async Task<string> OutputAsync(Task<string> stderr, Task<string> stdout)
    {
        try
        {
            await Task.WhenAll(stderr, stdout).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
            return "";
        }
        var err = (await stderr).Trim();
        return err.Length > 0 ? err : (await stdout).Trim();
    }

    private static string Tail(string output) => output.Length == 0 ? "" : ": " + output;

    /// <summary>Reads a stream to its end, keeping only the last <see cref="TailChars"/> characters.</summary>
    private static async Task<string> ReadTailAsync(StreamReader reader)
    {
        var tail = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            tail.Append(buffer, 0, read);
            if (tail.Length > 2 * TailChars) tail.Remove(0, tail.Length - TailChars);
        }
        var text = tail.ToString();
        return text.Length > TailChars ? "..." + text[^TailChars..] : text;
    }

    public override string ToString() => options.ToString();
}
