using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Probes;
using Spectre.Console;

namespace Rotor.Cli;

public static partial class RotorCli
{
    private static Command ProbeCommand(CliContext cli)
    {
        var endpoint = new Argument<string>("endpoint") { Description = "The SIP TLS endpoint as host:port ([address]:port for IPv6)" };
        var sni = new Option<string?>("--sni") { Description = "Server name to send (SNI) and check the certificate against. Default: the host when it is a DNS name; none for an IP address" };
        var sip = new Option<bool>("--sip") { Description = "Also send a SIP OPTIONS over the TLS connection; any final response (>= 200) counts as alive" };
        var trust = new Option<string?>("--trust") { Description = "Root certificates PEM the presented chain must build to (default: the system trust store)" };
        var count = new Option<int>("--count") { Description = "Number of probes, each a new connection and full handshake", DefaultValueFactory = _ => 1 };
        var interval = new Option<string>("--interval") { Description = "Pause between probes, e.g. 1s, 200ms, 0s", DefaultValueFactory = _ => "1s" };
        var timeout = new Option<string>("--timeout") { Description = "Limit for one probe (connect, handshake and SIP together)", DefaultValueFactory = _ => "5s" };
        var cmd = new Command("probe",
            "Handshake with a SIP TLS endpoint as a SIP peer would, and show the certificate it presents, whether it is trusted, " +
            "and (with --sip) the answer to an OPTIONS: the SIP-aware successor of openssl s_client. " +
            "Exit 0 when every probe succeeded, 1 when one failed, 2 on bad input")
        {
            endpoint, sni, sip, trust, count, interval, timeout,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            SystemTrust.StartLoading();
            var (request, error) = await ProbeRequest.ReadAsync(parse.GetValue(endpoint)!, parse.GetValue(sni), parse.GetValue(sip), parse.GetValue(trust),
                parse.GetValue(count), parse.GetValue(interval)!, parse.GetValue(timeout)!, ct);
            if (request is null) return cli.Fail(ExitCodes.InvalidInput, error!);

            using var loggers = cli.CreateLoggers(parse);
            var probe = new TlsProbe(new TlsProbeOptions { TrustAnchors = request.Anchors, Timeout = request.Timeout }, cli.Time,
                parse.GetValue(cli.Verbose) ? loggers.CreateLogger<TlsProbe>() : null);
            var json = cli.WantsJson(parse);
            var results = new List<ProbeResult>(Math.Min(request.Count, 10_000));
            var started = cli.Time.GetTimestamp();
            for (var i = 1; i <= request.Count; i++)
            {
                if (i > 1 && request.Pause > TimeSpan.Zero) await Task.Delay(request.Pause, cli.Time, ct);
                var result = await probe.ProbeAsync(request.Target, ct);
                results.Add(result);
                if (!json && request.Count > 1) cli.Output.WriteLine(ProbeLine(i, result));
            }
            var elapsed = cli.Time.GetElapsedTime(started);
            var summary = ProbeSummary.From(results);
            if (json)
            {
                cli.WriteJson(ProbeRunView(request, results, summary, elapsed), CliJsonContext.Default.ProbeRunJson);
            }
            else
            {
                WriteProbeTables(cli, request.Target, results, request.Count == 1);
                cli.Output.WriteLine(
                    $"{summary.Count} probe(s) of {request.Target}: {summary.Successes} succeeded, {summary.Failures} failed; " +
                    $"handshake p50 {F(summary.HandshakeP50)}, p95 {F(summary.HandshakeP95)}, max {F(summary.HandshakeMax)}; {Ms(elapsed):0.#} ms in all");
            }
            return summary.Failures == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return cmd;
    }

    /// <summary>What <c>rotor probe</c> was asked to do, its options checked.</summary>
    private sealed record ProbeRequest(ProbeTarget Target, string? TrustFile, IReadOnlyList<X509Certificate2> Anchors, int Count, TimeSpan Pause, TimeSpan Timeout)
    {
        /// <summary>The request, or the error that names the option at fault.</summary>
        public static async Task<(ProbeRequest? Request, string? Error)> ReadAsync(
            string endpoint, string? sni, bool sip, string? trustFile, int count, string interval, string timeout, CancellationToken ct)
        {
            if (HostPort.TryParse(endpoint, out var host, out var port) is { } bad) return (null, "endpoint: " + bad);
            var name = sni ?? (HostPort.IsDnsName(host) ? host : null);
            if (name is not null && Uri.CheckHostName(name) is UriHostNameType.Unknown or UriHostNameType.Basic)
            {
                return (null, $"--sni: '{name}' is not a host name");
            }
            if (count < 1) return (null, $"--count: must be at least 1 (got {count})");
            if (!DurationParser.TryParse(interval, out var pause)) return (null, $"--interval: '{interval}' is not a duration like 1s, 200ms or 0s");
            if (!DurationParser.TryParse(timeout, out var limit) || limit <= TimeSpan.Zero)
            {
                return (null, $"--timeout: '{timeout}' is not a positive duration like 5s");
            }
            IReadOnlyList<X509Certificate2> anchors = [];
            if (trustFile is not null)
            {
                if (!File.Exists(trustFile)) return (null, $"--trust: file not found: {trustFile}");
                try
                {
                    anchors = await TlsProbeOptions.ReadTrustAnchorsAsync(trustFile, ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    return (null, "--trust: " + e.Message);
                }
            }
            return (new ProbeRequest(new ProbeTarget(host, port, name, sip), trustFile, anchors, count, pause, limit), null);
        }
    }

    private static ProbeRunJson ProbeRunView(ProbeRequest request, IReadOnlyList<ProbeResult> results, ProbeSummary summary, TimeSpan elapsed) => new(
        $"{request.Target.Host}:{request.Target.Port}",
        request.Target.Sni,
        request.Target.SipOptions,
        request.Anchors.Count == 0 ? "system" : request.TrustFile,
        [.. results.Select((r, i) => ProbeJson(i + 1, r))],
        new ProbeSummaryJson(
            summary.Count,
            summary.Successes,
            summary.Failures,
            new ProbeLatencyJson(Ms(summary.HandshakeP50), Ms(summary.HandshakeP95), Ms(summary.HandshakeMax)),
            Ms(elapsed),
            elapsed > TimeSpan.Zero ? Math.Round(summary.Count / elapsed.TotalSeconds, 1) : null));

    private static void WriteProbeTables(CliContext cli, ProbeTarget target, IReadOnlyList<ProbeResult> results, bool single)
    {
        var console = cli.Console;
        if (single)
        {
            var r = results[0];
            var leaf = r.PresentedChain.Count > 0 ? r.PresentedChain[0] : null;
            var table = new Table().AddColumns("PROBE", Markup.Escape(target.ToString()));
            table.AddRow("result", r.Success ? "ok" : "FAILED");
            table.AddRow("chain trusted", r.ChainTrusted ? "yes" : "no");
            table.AddRow("sha256", r.LeafSha256 ?? "-");
            table.AddRow("subject", Markup.Escape(leaf?.Subject ?? "-"));
            table.AddRow("issuer", Markup.Escape(leaf?.Issuer ?? "-"));
            table.AddRow("not after", leaf is null ? "-" : $"{Utc(leaf.NotAfter)} ({DaysLeft(cli, leaf)})");
            table.AddRow("chain sent", $"{r.PresentedChain.Count} certificate(s)");
            table.AddRow("sip", r.SipStatusCode?.ToString(CultureInfo.InvariantCulture) ?? (target.SipOptions ? "no answer" : "not asked"));
            table.AddRow("connect", F(r.ConnectTime));
            table.AddRow("handshake", r.LeafSha256 is null ? "-" : F(r.HandshakeTime));
            table.AddRow("sip time", F(r.SipTime));
            if (r.Error is not null) table.AddRow("error", Markup.Escape(r.Error));
            console.Write(table);
            return;
        }
        // Over a series the certificate may change (a rotation under way): list each one seen.
        var seen = new Table().AddColumns("SHA256", "SUBJECT", "NOT AFTER", "PROBES", "TRUSTED");
        foreach (var group in results.Where(r => r.LeafSha256 is not null).GroupBy(r => r.LeafSha256))
        {
            var leaf = group.First().PresentedChain[0];
            seen.AddRow(group.Key!, Markup.Escape(leaf.Subject), Utc(leaf.NotAfter), group.Count().ToString(CultureInfo.InvariantCulture),
                group.First().ChainTrusted ? "yes" : "no");
        }
        console.Write(seen);
    }

    private static string ProbeLine(int seq, ProbeResult r) =>
        $"probe {seq}: {(r.Success ? "ok" : "FAILED")}" +
        (r.LeafSha256 is null ? "" : $" sha256 {r.LeafSha256[..16]}… {(r.ChainTrusted ? "trusted" : "untrusted")}") +
        (r.SipStatusCode is { } s ? $" sip {s}" : "") +
        $" connect {F(r.ConnectTime)}" + (r.LeafSha256 is null ? "" : $" handshake {F(r.HandshakeTime)}") +
        (r.SipTime is { } st ? $" sip-time {F(st)}" : "") +
        (r.Error is null ? "" : $" error: {r.Error}");

    private static ProbeLineJson ProbeJson(int seq, ProbeResult r)
    {
        var leaf = r.PresentedChain.Count > 0 ? r.PresentedChain[0] : null;
        return new ProbeLineJson(
            seq,
            r.Success,
            r.Success ? null : r.Failure.ToString().ToLowerInvariant(),
            r.ChainTrusted,
            r.LeafSha256,
            leaf?.Subject,
            leaf?.Issuer,
            leaf is null ? null : Utc(leaf.NotBefore),
            leaf is null ? null : Utc(leaf.NotAfter),
            [.. r.PresentedChain.Select(c => new ChainCertificateJson(c.Subject, c.Issuer, Convert.ToHexStringLower(SHA256.HashData(c.RawDataMemory.Span)), Utc(c.NotAfter)))],
            r.SipStatusCode,
            Ms(r.ConnectTime),
            r.LeafSha256 is null ? null : Ms(r.HandshakeTime),
            Ms(r.SipTime),
            r.Error);
    }

    private static string Utc(DateTime local) => local.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string DaysLeft(CliContext cli, X509Certificate2 leaf)
    {
        var left = leaf.NotAfter.ToUniversalTime() - cli.Time.GetUtcNow().UtcDateTime;
        return left < TimeSpan.Zero ? "EXPIRED" : $"{left.TotalDays:0.#} days left";
    }

    private static double? Ms(TimeSpan? t) => t is { } v ? Math.Round(v.TotalMilliseconds, 2) : null;

    private static string F(TimeSpan? t) => t is { } v ? v.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-";
}
