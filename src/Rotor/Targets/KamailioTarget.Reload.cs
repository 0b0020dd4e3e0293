using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Targets;

public sealed partial class KamailioTarget
{
    internal sealed record ReloadFailure(string Reason, string Message);

    /// <summary>
    /// Reloads and confirms, retrying a refused reload with backoff. Returns null on success, else
    /// what went wrong the last time. <paramref name="expectedSha256"/> null skips the handshake check.
    /// </summary>
    private async Task<ReloadFailure?> ReloadAndConfirmAsync(string? expectedSha256, IReadOnlyList<X509Certificate2> trust, CancellationToken cancellationToken, int? attempts = null)
    {
        ReloadFailure? failure = null;
        var total = attempts ?? spec.ReloadAttempts;
        for (var attempt = 1; attempt <= total; attempt++)
        {
            if (attempt > 1)
            {
                // 0.5 s, 1 s, 2 s, ... capped: enough for a handshake burst to pass.
                var backoff = TimeSpan.FromMilliseconds(Math.Min(8000, 500 * Math.Pow(2, attempt - 2)));
                await Task.Delay(backoff, time, cancellationToken);
            }
            failure = await ReloadOnceAsync(cancellationToken);
            if (failure is null && expectedSha256 is not null && spec.TlsEndpoint is { } endpoint)
            {
                failure = await ConfirmAsync(endpoint, expectedSha256, trust, cancellationToken);
            }
            if (failure is null) return null;
            // Each refusal is logged: a reload that succeeds on a later attempt leaves no other trace.
            Telemetry.Log.KamailioReloadAttemptFailed(logger, name, attempt, total, failure.Reason, failure.Message);
            if (failure.Reason == RotorReasons.ServerUnreachable) return failure; // retrying a dead control socket only delays the alert
        }
        return failure;
    }

    private async Task<ReloadFailure?> ReloadOnceAsync(CancellationToken cancellationToken)
    {
        var socket = spec.CtlSocket.Contains(':', StringComparison.Ordinal) ? spec.CtlSocket : "unix:" + Resolve(spec.CtlSocket);
        return await reloads.RunAsync(socket, spec.MinReloadInterval, async ct =>
        {
            var (exit, output) = await RunKamcmdAsync(socket, ct);
            if (output.Contains(ReloadedReply, StringComparison.Ordinal)) return null;
            if (exit != 0 || output.Length == 0 || output.Contains("connect", StringComparison.OrdinalIgnoreCase) ||
                output.Contains("No such file", StringComparison.OrdinalIgnoreCase))
            {
                return new ReloadFailure(RotorReasons.ServerUnreachable, $"Kamailio does not answer on its control socket {socket} ({Tail(output)})");
            }
            return new ReloadFailure(RotorReasons.ReloadRefused, $"Kamailio refused the reload: {Tail(output)}");
        }, cancellationToken);
    }

    private async Task<(int Exit, string Output)> RunKamcmdAsync(string socket, CancellationToken cancellationToken)
    {
        try
        {
            var result = await ChildProcess.RunAsync(new ProcessStartInfo(spec.Kamcmd, ["-s", socket, "tls.reload"]), null, spec.ReloadTimeout, cancellationToken);
            return result.TimedOut
                ? (-1, $"kamcmd gave no answer within {DurationParser.Format(spec.ReloadTimeout)}")
                : (result.ExitCode, (result.Output + result.Errors).Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"cannot run {spec.Kamcmd}: {e.Message}; install kamailio or set kamcmd on the target");
        }
    }

    /// <summary>A fresh handshake must present the new certificate: Kamailio may answer "Ok" and still serve the old one.</summary>
    private async Task<ReloadFailure?> ConfirmAsync(string endpoint, string expectedSha256, IReadOnlyList<X509Certificate2> trust, CancellationToken cancellationToken)
    {
        HostPort.TryParse(endpoint, out var host, out var port); // checked when the manifest was read
        var result = await probe.ProbeAsync(new ProbeTarget(host, port) { Trust = trust.Count > 0 ? trust : null }, cancellationToken);
        if (result.LeafSha256 is { } presented && string.Equals(presented, expectedSha256, StringComparison.OrdinalIgnoreCase)) return null;
        if (result.Failure == ProbeFailure.Connect)
        {
            return new ReloadFailure(RotorReasons.ServerUnreachable, $"Kamailio's TLS listener {endpoint} does not answer after the reload ({result.Error})");
        }
        return new ReloadFailure(RotorReasons.ReloadNotEffective,
            result.LeafSha256 is null ? $"the handshake with {endpoint} after the reload failed ({result.Error})" : $"{endpoint} still presents {result.LeafSha256[..16]}… after the reload");
    }

    private static string Tail(string text) => text.Length <= 300 ? text : "…" + text[^300..];
}
