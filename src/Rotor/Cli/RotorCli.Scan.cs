using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;
using Rotor.Core.Abstractions;
using Rotor.Core.Alerts;
using Rotor.Core.Resources;
using Rotor.Core.Scan;
using Rotor.Probes;
using Rotor.Scan;
using Spectre.Console;

namespace Rotor.Cli;

public static partial class RotorCli
{
    private static readonly string[] SrvPrefixes = ["_sips._tcp.", "_sip._tls."];

    private static Command ScanCommand(CliContext cli)
    {
        var targets = new Argument<string[]>("target")
        {
            Description = "host:port (ranges: 10.0.0.1-10.0.0.20:5061, host:5061-5063), an SRV name (_sips._tcp.DOMAIN, _sip._tls.DOMAIN), or the name of a stored Scan",
            Arity = ArgumentArity.OneOrMore,
        };
        var sni = new Option<string?>("--sni") { Description = "Server name to send (and check) when a target's host is an address" };
        var sip = new Option<bool>("--sip") { Description = "Also send a SIP OPTIONS over each handshake" };
        var trust = new Option<string?>("--trust") { Description = "Root certificates PEM the presented chains must build to (default: the system trust store)" };
        var concurrency = new Option<int>("--concurrency") { Description = "Endpoints looked at a time", DefaultValueFactory = _ => ScanSpec.DefaultConcurrency };
        var timeout = new Option<string>("--timeout") { Description = "Limit for each check of one endpoint", DefaultValueFactory = _ => "5s" };
        var cmd = new Command("scan",
            "Look at SIP TLS endpoints: the certificate each presents (expiry, names, issuer, key, chain), the protocol and suite, " +
            "whether it accepts TLS 1.0/1.1 or weak suites, its OCSP status, and whether Rotor manages it. A stored Scan's results are kept " +
            "and its alerts evaluated. Exit 0 when nothing was found, 1 when an endpoint has a finding or did not answer, 2 on bad input")
        {
            targets, sni, sip, trust, concurrency, timeout,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(concurrency) is var n && n is < 1 or > ScanSpec.MaxConcurrency) return cli.Fail(ExitCodes.InvalidInput, $"--concurrency: must be between 1 and {ScanSpec.MaxConcurrency}");
            if (!DurationParser.TryParse(parse.GetValue(timeout)!, out var limit) || limit <= TimeSpan.Zero || limit > TimeSpan.FromMinutes(1))
            {
                return cli.Fail(ExitCodes.InvalidInput, $"--timeout: '{parse.GetValue(timeout)}' is not a duration from 1ms to 1m, like 5s");
            }
            if (parse.GetValue(sni) is { } name && !HostPort.IsDnsName(name)) return cli.Fail(ExitCodes.InvalidInput, $"--sni: '{name}' is not a DNS name");
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
            var entries = new List<string>();
            var srv = new List<string>();
            var stored = new List<string>();
            foreach (var t in parse.GetValue(targets)!)
            {
                if (SrvPrefixes.Any(p => t.StartsWith(p, StringComparison.OrdinalIgnoreCase))) srv.Add(t.TrimEnd('.'));
                else if (!t.Contains(':', StringComparison.Ordinal) && ResourceNames.IsValid(t)) stored.Add(t);
                else if (ScanTargets.TryCount(t, out _) is { } bad) return cli.Fail(ExitCodes.InvalidInput, $"target '{t}': {bad}");
                else entries.Add(t);
            }
            if (ScanTargets.TryExpand(entries, out _) is { } tooMany) return cli.Fail(ExitCodes.InvalidInput, "target" + tooMany);

            using var loggers = cli.CreateLoggers(parse);
            var haveData = cli.StoreLocation(parse) is not null || File.Exists(Path.Combine(cli.DataDirectory(parse), "rotor.db"));
            if (stored.Count > 0 && !haveData) return cli.Fail(ExitCodes.NotFound, $"scan '{stored[0]}': no data folder at {cli.DataDirectory(parse)} (a stored Scan is applied with rotor apply; or give host:port)");
            await using var host = haveData ? await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing) : null;
            using var http = ScanHttp.Create();
            var json = cli.WantsJson(parse);
            var progress = json ? null : Progress(cli);
            var runner = new ScanRunner(host?.Store, cli.Time) { Progress = progress };
            var all = new List<(string Scan, EndpointScan Result)>();
            var started = cli.Time.GetTimestamp();
            foreach (var scanName in stored)
            {
                var resource = await host!.Store.GetResourceAsync(ResourceKinds.Scan, scanName, ct);
                if (resource is null) return cli.Fail(ExitCodes.NotFound, $"scan '{scanName}' not found (targets without ':' are names of stored Scans)");
                var scanner = await ScanLoop.ScannerForAsync(resource, Storage.SpecSerializer.SpecOf<ScanSpec>(resource), http, cli.Time, ct);
                var (_, results) = await runner.RunStoredAsync(scanName, scanner, ct);
                all.AddRange(results.Select(r => (scanName, r)));
            }
            if (entries.Count + srv.Count > 0)
            {
                var scanner = new EndpointScanner(new ScanOptions { TrustAnchors = anchors, Timeout = limit, Sip = parse.GetValue(sip), Sni = parse.GetValue(sni) }, http, cli.Time);
                var (resolved, problems) = await runner.ResolveAsync(entries, srv, ct);
                foreach (var p in problems) cli.Error.WriteLine($"SRV lookup failed: {p}");
                var results = await runner.ScanAsync(resolved, parse.GetValue(concurrency), scanner, ct);
                all.AddRange(results.Select(r => ("", r)));
            }
            var elapsed = cli.Time.GetElapsedTime(started);
            if (host is not null && stored.Count > 0) await EvaluateAndDeliverAlertsAsync(cli, host, ct);
            var policy = host is null ? new AlertPolicy() : (await host.AlertEvaluator.PolicyAsync(ct)).Policy;
            var now = cli.Time.GetUtcNow();
            var rows = all.Select(a => (a.Scan, a.Result, Findings: ScanAlertRules.Evaluate(a.Scan, a.Result, policy, now).ToList())).ToList();
            if (json)
            {
                cli.WriteJson(new ScanOutputJson([.. rows.Select(r => new ScanEndpointJson(r.Scan.Length == 0 ? null : r.Scan, r.Result,
                    [.. r.Findings.Select(f => new ScanFindingJson(f.Rule, f.Severity.ToString().ToLowerInvariant(), f.Summary))]))],
                    Math.Round(elapsed.TotalMilliseconds, 1)),
                    ScanJsonContext.Default.ScanOutputJson);
            }
            else
            {
                WriteScanTable(cli, rows, elapsed);
            }
            return rows.Any(r => r.Findings.Count > 0 || !r.Result.Reachable) ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>A line on standard error at each tenth of a scan of more than 20 endpoints.</summary>
    private static Action<int, int> Progress(CliContext cli)
    {
        var gate = new object();
        var lastTenth = 0;
        return (done, total) =>
        {
            if (total <= 20) return;
            var tenth = done * 10 / total;
            lock (gate)
            {
                if (tenth <= lastTenth) return;
                lastTenth = tenth;
                cli.Error.WriteLine($"scanned {done}/{total} endpoint(s)");
            }
        };
    }

    private static void WriteScanTable(CliContext cli, List<(string Scan, EndpointScan Result, List<AlertCondition> Findings)> rows, TimeSpan elapsed)
    {
        var table = new Table().AddColumns("ENDPOINT", "TLS", "SUBJECT", "NOT AFTER", "CHAIN", "OCSP", "MANAGED", "FINDINGS");
        foreach (var (_, r, findings) in rows)
        {
            var leaf = r.Leaf;
            table.AddRow(
                Markup.Escape(r.Endpoint),
                Markup.Escape(r.Protocol ?? (r.LegacyProtocols.Count > 0 ? r.LegacyProtocols[^1] : "-")),
                Markup.Escape(leaf?.Subject ?? "-"),
                leaf is null ? "-" : leaf.NotAfter.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                r.ChainValid switch { true => "valid", false => "INVALID", null => "-" },
                Markup.Escape(r.Ocsp?.ToString().ToLowerInvariant() ?? "-"),
                Markup.Escape(r.ManagedCertificate is { } c ? $"{c} v{r.ManagedVersion}{(r.ManagedCurrent == true ? "" : " (old)")}" : "no"),
                Markup.Escape(findings.Count > 0 ? string.Join("; ", findings.Select(f => f.Summary.Replace($"Endpoint {r.Endpoint} ", "", StringComparison.Ordinal)))
                    : r.Reachable ? "none" : r.Error ?? "no answer"));
        }
        cli.Console.Write(table);
        cli.Output.WriteLine($"{rows.Count} endpoint(s): {rows.Count(r => r.Result.Reachable)} answering, {rows.Count(r => r.Findings.Count > 0)} with findings, " +
            $"{rows.Count(r => r.Result.ManagedCertificate is not null)} serving a Rotor-managed certificate; {elapsed.TotalSeconds:0.0} s");
    }
}

internal sealed record ScanFindingJson(string Rule, string Severity, string Summary);

internal sealed record ScanEndpointJson(string? Scan, EndpointScan Result, IReadOnlyList<ScanFindingJson> Findings);

/// <param name="ElapsedMs">Time the scanning took (targets resolved, endpoints looked at), without start-up and output.</param>
internal sealed record ScanOutputJson(IReadOnlyList<ScanEndpointJson> Endpoints, double ElapsedMs);

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(ScanOutputJson))]
internal sealed partial class ScanJsonContext : JsonSerializerContext;
