using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Rotor.IntegrationTests.Support;

/// <summary>How sipp's calls reach Kamailio over TLS.</summary>
public enum SipLoadMode
{
    /// <summary>Every call opens its own TLS connection: one handshake per call.</summary>
    PerCall,

    /// <summary>All calls share one TLS connection opened at the start, as a SIP trunk does.</summary>
    Trunk,
}

public sealed partial class KamailioLab
{
    /// <summary>
    /// Starts sipp calls (INVITE/ACK/BYE through Kamailio's TLS listener, via a stunnel shim that
    /// verifies this fixture's CA) in the background: <paramref name="rate"/> calls per second for
    /// <paramref name="duration"/>, then it stops by itself. One load per instance at a time.
    /// </summary>
    /// <param name="caFile">The roots the shim trusts, when Kamailio will present certificates from another CA (Rotor's) during the load.</param>
    public SipLoad StartLoad(int rate, TimeSpan duration, SipLoadMode mode, TimeSpan? hold = null, string? caFile = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rate, 1);
        var calls = Math.Max(1, (int)Math.Round(rate * duration.TotalSeconds));
        var holdMs = (int)(hold ?? TimeSpan.Zero).TotalMilliseconds;
        string[] args =
        [
            Directory, "--rate", rate.ToString(CultureInfo.InvariantCulture), "--calls", calls.ToString(CultureInfo.InvariantCulture),
            "--hold", holdMs.ToString(CultureInfo.InvariantCulture), "--conn", mode == SipLoadMode.Trunk ? "trunk" : "per-call",
            .. (caFile is null ? Array.Empty<string>() : ["--ca", caFile]),
        ];
        var process = Process.Start(EnvScript.StartInfo(Scripts, "sipp-load.sh", args, null))!;
        return new SipLoad(process, duration + (hold ?? TimeSpan.Zero) + TimeSpan.FromSeconds(60));
    }
}

/// <summary>A running sipp load; <see cref="WaitAsync"/> gives its counts once it ended by itself.</summary>
public sealed class SipLoad : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<SipLoadResult> _completion;

    internal SipLoad(Process process, TimeSpan limit)
    {
        _process = process;
        _completion = CompleteAsync(limit);
    }

    /// <summary>Waits for the load to end (it is bounded by its own call count and time limit).</summary>
    public Task<SipLoadResult> WaitAsync() => _completion;

    private async Task<SipLoadResult> CompleteAsync(TimeSpan limit)
    {
        var stdout = _process.StandardOutput.ReadToEndAsync();
        var stderr = _process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        var output = await stdout + await stderr;
        var last = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        return SipLoadResult.Parse(last, output, _process.ExitCode);
    }

    /// <summary>Ends the load early (SIGTERM: the script stops sipp and the shim).</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
        await _completion;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }
}

/// <summary>
/// Call counts of one load, from sipp's final statistics (sipp-load.sh's last line). Failed counts
/// every planned call that did not succeed, including calls never attempted.
/// </summary>
public sealed record SipLoadResult(
    bool Passed, int Planned, int Attempted, int Successful, int Failed,
    int FailedTcpClosed, int FailedTimeout, int FailedUnexpectedMessage, int Unfinished,
    int TlsConnections, int TlsHandshakesOk, int TlsHandshakesFailed, int SippExit, string OutputDirectory, string Output)
{
    internal static SipLoadResult Parse(string lastLine, string output, int exitCode)
    {
        try
        {
            using var json = JsonDocument.Parse(lastLine);
            var r = json.RootElement;
            int N(string name) => r.TryGetProperty(name, out var v) ? v.GetInt32() : 0;
            return new SipLoadResult(r.GetProperty("result").GetString() == "pass", N("planned"), N("attempted"), N("successful"), N("failed"),
                N("failed_tcp_closed"), N("failed_timeout"), N("failed_unexpected_msg"), N("unfinished"),
                N("tls_connections"), N("tls_handshakes_ok"), N("tls_handshakes_failed"), N("sipp_exit"),
                r.GetProperty("out_dir").GetString() ?? "", output);
        }
        catch (JsonException)
        {
            return new SipLoadResult(false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, exitCode, "", output);
        }
    }

    public override string ToString() =>
        $"{(Passed ? "pass" : "FAIL")}: {Successful}/{Planned} calls ok, {Failed} failed (closed {FailedTcpClosed}, timeout {FailedTimeout}, " +
        $"unexpected {FailedUnexpectedMessage}, unfinished {Unfinished}); TLS {TlsHandshakesOk}/{TlsConnections} handshakes ok; logs {OutputDirectory}";
}
