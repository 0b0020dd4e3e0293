using Microsoft.Extensions.Time.Testing;
using Rotor.Acme.Challenges.Dns01;
using Rotor.Acme.Transport;
using Rotor.Tests.Support;

namespace Rotor.Tests.Acme.Dns01;

public sealed class ExecProviderTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly CancellationTokenSource _bound = new(TimeSpan.FromSeconds(30));

    public void Dispose()
    {
        _bound.Dispose();
        _dir.Dispose();
    }

    /// <summary>A lego-style exec script that appends its arguments (and EXEC_MODE, TOKEN) to calls.txt.</summary>
    private string Script(string body = "")
    {
        var path = _dir.Combine("hook.sh");
        // Written by a child process, never through a descriptor of this one: other tests start
        // processes at the same time, and a fork that inherited a descriptor open for writing on
        // the script would make exec fail with "Text file busy" until that child execs.
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", "cat > \"$1\" && chmod 700 \"$1\"", "sh", path]) { RedirectStandardInput = true };
        using var writer = System.Diagnostics.Process.Start(start)!;
        writer.StandardInput.Write($"#!/bin/sh\necho \"$EXEC_MODE|$API_TOKEN|$*\" >> '{_dir.Combine("calls.txt")}'\n{body}\n");
        writer.StandardInput.Close();
        writer.WaitForExit();
        Assert.Equal(0, writer.ExitCode);
        return path;
    }

    private string[] Calls() => File.ReadAllLines(_dir.Combine("calls.txt"));

    [Fact]
    public async Task Present_and_cleanup_follow_legos_exec_convention()
    {
        var provider = new ExecProvider(new ExecProviderOptions { Program = Script(), Environment = new Dictionary<string, string> { ["API_TOKEN"] = "t0k" } });
        await provider.AddTxtAsync("_acme-challenge.a.example.test", "example.test.", "the-value", _bound.Token);
        await provider.RemoveTxtAsync("_acme-challenge.a.example.test.", "example.test.", "the-value", _bound.Token);
        Assert.Equal(["|t0k|present _acme-challenge.a.example.test. the-value", "|t0k|cleanup _acme-challenge.a.example.test. the-value"], Calls());
        Assert.False(provider.IsRaw);
    }

    [Fact]
    public async Task The_script_sees_PATH_and_its_own_variables_not_the_callers_environment()
    {
        const string secret = "exec-env-secret-4711";
        Environment.SetEnvironmentVariable("ROTOR_TEST_EXEC_SECRET", secret);
        try
        {
            var dump = _dir.Combine("env.txt");
            var provider = new ExecProvider(new ExecProviderOptions
            {
                Program = Script($"env > '{dump}'"),
                Environment = new Dictionary<string, string> { ["API_TOKEN"] = "t0k" },
            });
            await provider.AddTxtAsync("_acme-challenge.a.example.test", "example.test.", "v", _bound.Token);
            var names = File.ReadAllLines(dump).Select(l => l.Split('=')[0]).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("PATH", names);
            Assert.Contains("API_TOKEN", names);
            Assert.DoesNotContain("ROTOR_TEST_EXEC_SECRET", names);
            Assert.DoesNotContain(secret, File.ReadAllText(dump), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ROTOR_TEST_EXEC_SECRET", null);
        }
    }

    [Fact]
    public async Task Raw_mode_passes_domain_token_and_key_authorization()
    {
        var provider = new ExecProvider(new ExecProviderOptions { Program = Script(), Mode = Dns01HookMode.Raw });
        Assert.True(provider.IsRaw);
        await provider.PresentRawAsync("example.test", "tok", "tok.thumb", _bound.Token);
        await provider.CleanupRawAsync("example.test", "tok", "tok.thumb", _bound.Token);
        Assert.Equal(["RAW||present example.test tok tok.thumb", "RAW||cleanup example.test tok tok.thumb"], Calls());
    }

    [Fact]
    public async Task A_failing_script_reports_its_exit_code_and_the_end_of_stderr()
    {
        var noise = string.Concat(Enumerable.Repeat("x", 5000));
        var provider = new ExecProvider(new ExecProviderOptions { Program = Script($"echo '{noise}' >&2\necho 'zone example.test: permission denied' >&2\nexit 3") });
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.AddTxtAsync("_acme-challenge.a.example.test.", "example.test.", "v", _bound.Token));
        Assert.StartsWith($"exec script {_dir.Combine("hook.sh")} present _acme-challenge.a.example.test. failed with exit code 3: ...", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("zone example.test: permission denied", e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Length < 1300, "only the tail of stderr");
        Assert.Equal(Dns01Causes.Exec, e.ProblemType);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task Stdout_is_shown_when_stderr_is_empty()
    {
        var provider = new ExecProvider(new ExecProviderOptions { Program = Script("echo 'API said 403'\nexit 1") });
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.RemoveTxtAsync("_acme-challenge.a.example.test.", "example.test.", "v", _bound.Token));
        Assert.EndsWith("failed with exit code 1: API said 403", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hanging_script_is_killed_at_the_timeout()
    {
        var time = new FakeTimeProvider();
        var provider = new ExecProvider(new ExecProviderOptions { Program = Script("sleep 300"), Timeout = TimeSpan.FromSeconds(60) }, time);
        var run = provider.AddTxtAsync("_acme-challenge.a.example.test.", "example.test.", "v", _bound.Token);
        time.Advance(TimeSpan.FromSeconds(61));
        var e = await Assert.ThrowsAsync<AcmeException>(() => run.WaitAsync(_bound.Token));
        Assert.StartsWith($"exec script {_dir.Combine("hook.sh")} present _acme-challenge.a.example.test. did not finish within 60s and was killed", e.Message, StringComparison.Ordinal);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task Caller_cancellation_kills_the_script_and_cancels()
    {
        using var cancel = new CancellationTokenSource();
        var provider = new ExecProvider(new ExecProviderOptions { Program = Script("sleep 300") });
        var run = provider.AddTxtAsync("_acme-challenge.a.example.test.", "example.test.", "v", cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(_bound.Token));
    }

    [Fact]
    public async Task A_missing_program_is_a_clear_error()
    {
        var provider = new ExecProvider(new ExecProviderOptions { Program = _dir.Combine("no-such-hook") });
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.AddTxtAsync("_acme-challenge.a.example.test.", "example.test.", "v", _bound.Token));
        Assert.StartsWith($"cannot run exec script {_dir.Combine("no-such-hook")} (present _acme-challenge.a.example.test.)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_values_stay_out_of_ToString()
    {
        var provider = new ExecProvider(new ExecProviderOptions { Program = "/x/hook", Environment = new Dictionary<string, string> { ["API_TOKEN"] = "s3cr3t" } });
        Assert.Equal("exec /x/hook", provider.ToString());
    }
}
