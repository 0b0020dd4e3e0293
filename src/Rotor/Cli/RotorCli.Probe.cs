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
            if (EndpointAddress.TryParse(parse.GetValue(endpoint)!, out var host, out var port) is { } bad)
            {
                return cli.Fail(ExitCodes.InvalidInput, "endpoint: " + bad);
            }
            var name = parse.GetValue(sni) ?? (EndpointAddress.IsDnsName(host) ? host : null);
            if (name is not null && Uri.CheckHostName(name) is UriHostNameType.Unknown or UriHostNameType.Basic)
            {
                return cli.Fail(ExitCodes.InvalidInput, $"--sni: '{name}' is not a host name");
            }
            var n = parse.GetValue(count);
            if (n < 1) return cli.Fail(ExitCodes.InvalidInput, $"--count: must be at least 1 (got {n})");
            if (!DurationParser.TryParse(parse.GetValue(interval)!, out var pause))
            {
                return cli.Fail(ExitCodes.InvalidInput, $"--interval: '{parse.GetValue(interval)}' is not a duration like 1s, 200ms or 0s");
            }
            if (!DurationParser.TryParse(parse.GetValue(timeout)!, out var limit) || limit <= TimeSpan.Zero)
            {
                return cli.Fail(ExitCodes.InvalidInput, $"--timeout: '{parse.GetValue(timeout)}' is not a positive duration like 5s");
            }
            IReadOnlyList<X509Certificate2> anchors = [];
            if (parse.GetValue(trust) is { } trustFile)
            {
                if (!File.Exists(trustFile)) return cli.Fail(ExitCodes.InvalidInput, $"--trust: file not found: {trustFile}");
                try
                {
                    anchors = await TlsProbeOptions.ReadTrustAnchorsAsync(trustFile, ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    return cli.Fail(ExitCodes.InvalidInput, "--trust: " + e.Message);
                }
            }

            using var loggers = cli.CreateLoggers(parse);
            var probe = new TlsProbe(new TlsProbeOptions { TrustAnchors = anchors, Timeout = limit }, cli.Time,
                parse.GetValue(cli.Verbose) ? loggers.CreateLogger<TlsProbe>() : null);
            var target = new ProbeTarget(host, port, name, parse.GetValue(sip));
            var json = cli.WantsJson(parse);
            var results = new List<ProbeResult>(Math.Min(n, 10_000));
            var started = cli.Time.GetTimestamp();
            for (var i = 1; i <= n; i++)
            {
                if (i > 1 && pause > TimeSpan.Zero) await Task.Delay(pause, cli.Time, ct);
                var result = await probe.ProbeAsync(target, ct);
                results.Add(result);
                if (!json && n > 1) cli.Output.WriteLine(ProbeLine(i, result));
            }
            var elapsed = cli.Time.GetElapsedTime(started);
            var summary = ProbeSummary.From(results);
            if (json)
            {
                cli.WriteJson(new ProbeRunJson(
                    $"{target.Host}:{target.Port}",
                    target.Sni,
                    target.SipOptions,
                    anchors.Count == 0 ? "system" : parse.GetValue(trust),
                    [.. results.Select((r, i) => ProbeJson(i + 1, r))],
                    new ProbeSummaryJson(
                        summary.Count,
                        summary.Successes,
                        summary.Failures,
                        new ProbeLatencyJson(Ms(summary.HandshakeP50), Ms(summary.HandshakeP95), Ms(summary.HandshakeMax)),
                        Ms(elapsed),
                        elapsed > TimeSpan.Zero ? Math.Round(summary.Count / elapsed.TotalSeconds, 1) : null)),
                    CliJsonContext.Default.ProbeRunJson);
            }
            else
            {
                WriteProbeTables(cli, target, results, n == 1);
                cli.Output.WriteLine(
                    $"{summary.Count} probe(s) of {target}: {summary.Successes} succeeded, {summary.Failures} failed; " +
                    $"handshake p50 {F(summary.HandshakeP50)}, p95 {F(summary.HandshakeP95)}, max {F(summary.HandshakeMax)}; {Ms(elapsed):0.#} ms in all");
            }
            return summary.Failures == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return cmd;
    }

    private static void WriteProbeTables(CliContext cli, ProbeTarget target, IReadOnlyList<ProbeResult> results, bool single)
    {
        var console = cli.Console;
        console.Profile.Width = 160;
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
