using System.CommandLine;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Rotor.Certificates;
using Rotor.Core.Resources;
using Rotor.Core.Validation;
using Spectre.Console;

namespace Rotor.Cli;

public static partial class RotorCli
{
    private static Command VerifyCommand(CliContext cli)
    {
        var cert = new Option<string>("--cert") { Description = "Certificate PEM (the leaf first; further certificates count as chain)", Required = true };
        var key = new Option<string?>("--key") { Description = "Private key PEM, as the server loads it" };
        var chain = new Option<string?>("--chain") { Description = "Intermediate (and root) certificates PEM" };
        var trust = new Option<string?>("--trust") { Description = "Root certificates PEM to build to (default: the system trust store)" };
        var names = new Option<string[]>("--name") { Description = "A DNS name or IP address the certificate must cover; repeatable", AllowMultipleArgumentsPerToken = true };
        var usages = new Option<string[]>("--usage") { Description = "Required usage: 'server auth' or 'client auth'; repeatable (default: server auth)", AllowMultipleArgumentsPerToken = true };
        var renewBefore = new Option<string?>("--renew-before") { Description = "The certificate must be valid longer than this (e.g. 720h)" };
        var previous = new Option<string?>("--previous") { Description = "The certificate being replaced: its names must still be covered" };
        var secure = new Option<bool>("--secure") { Description = "Secure mode: no IP address names" };
        var cmd = new Command("verify",
            $"Check certificate files against every pre-deploy rule, as Rotor does before it deploys. Each file is read up to {PemLimits.Chain.Size}. " +
            "Malformed certificate content fails a rule (exit 1); a file that cannot be read or is not PEM is invalid input (exit 2)")
        {
            cert, key, chain, trust, names, usages, renewBefore, previous, secure,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var wanted = VerifyRequirements.Read(parse.GetValue(renewBefore), parse.GetValue(usages), parse.GetValue(names));
            if (wanted.Error is not null) return cli.Fail(ExitCodes.InvalidInput, wanted.Error);
            var files = await VerifyFiles.ReadAsync(parse.GetValue(cert)!, parse.GetValue(chain), parse.GetValue(trust), parse.GetValue(key), parse.GetValue(previous), ct);
            if (files.Error is not null) return cli.Fail(ExitCodes.InvalidInput, files.Error);

            var report = files.Leaf is null
                ? CertificateValidator.NotDecodable(files.DecodeProblems)
                : CertificateValidator.Validate(new ValidationInput
                {
                    Leaf = files.Leaf,
                    Chain = files.Chain,
                    TrustAnchors = files.Anchors,
                    PrivateKeyPem = files.KeyPem,
                    RequiredNames = wanted.Names,
                    PreviousNames = files.PreviousNames,
                    RequiredUsages = wanted.Usages,
                    RenewBefore = wanted.RenewBefore,
                    SecureMode = parse.GetValue(secure),
                    DecodeProblems = files.DecodeProblems,
                    Now = cli.Time.GetUtcNow(),
                });
            if (parse.GetValue(trust) is null) report = WithTrustHint(report);
            WriteVerifyReport(cli, parse, report);
            return report.Passed ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return cmd;
    }

    /// <summary>
    /// Without --trust the chain is judged against the system store, where a private root is not:
    /// a chain that does not reach trust then says how to name the root.
    /// </summary>
    private static ValidationReport WithTrustHint(ValidationReport report) => new([.. report.Results.Select(r =>
        r.Rule == ValidationRules.ChainTrusted && r.Status == RuleStatus.Failed
            ? r with { Message = r.Message + "; to trust a private root, pass it with --trust ROOT.pem" }
            : r)]);

    private static void WriteVerifyReport(CliContext cli, ParseResult parse, ValidationReport report)
    {
        if (cli.WantsJson(parse))
        {
            cli.WriteJson(new VerifyJson(report.Passed, report.Results), CliJsonContext.Default.VerifyJson);
            return;
        }
        var table = new Table().AddColumns("RULE", "RESULT", "DETAIL");
        foreach (var r in report.Results)
        {
            table.AddRow(r.Rule, r.Status switch { RuleStatus.Passed => "pass", RuleStatus.Failed => "FAIL", _ => "-" }, Markup.Escape(r.Message));
        }
        cli.Console.Write(table);
        cli.Output.WriteLine(report.Passed ? "OK: the certificate may be deployed" : $"FAILED: {report.Failures.Count()} rule(s) broken");
    }

    /// <summary>What the certificate must satisfy beyond the fixed rules: --renew-before, --usage, --name.</summary>
    private sealed record VerifyRequirements(TimeSpan? RenewBefore, IReadOnlyList<string> Usages, IReadOnlySet<string> Names, string? Error)
    {
        /// <summary>The requirements, or <see cref="Error"/> naming the option that is invalid.</summary>
        public static VerifyRequirements Read(string? renewBefore, string[]? usages, string[]? names)
        {
            TimeSpan? rb = null;
            if (renewBefore is not null)
            {
                if (!DurationParser.TryParse(renewBefore, out var parsed)) return Invalid($"--renew-before: '{renewBefore}' is not a duration like 720h");
                rb = parsed;
            }
            var known = Rotor.Core.Resources.Usages.Known;
            var usageList = usages is { Length: > 0 } u ? u : [Rotor.Core.Resources.Usages.ServerAuth];
            if (usageList.FirstOrDefault(x => !known.Contains(x)) is { } unknown)
            {
                return Invalid($"--usage: unknown usage '{unknown}'; use one of {string.Join(", ", known)}");
            }
            var required = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var n in names ?? [])
            {
                required.Add(IPAddress.TryParse(n, out var ip) ? "IP:" + ip : "DNS:" + n);
            }
            return new VerifyRequirements(rb, usageList, required, null);
        }

        private static VerifyRequirements Invalid(string error) => new(null, [], new HashSet<string>(), error);
    }

    /// <summary>
    /// The files <c>rotor verify</c> reads, each through <see cref="PemReader"/>'s caps. <see cref="Error"/>
    /// (exit 2) names the option; certificate blocks that are PEM but do not decode go to
    /// <see cref="DecodeProblems"/> and fail malformed-certificate (exit 1).
    /// </summary>
    private sealed record VerifyFiles(
        X509Certificate2? Leaf,
        IReadOnlyList<X509Certificate2> Chain,
        IReadOnlyList<X509Certificate2> Anchors,
        string? KeyPem,
        IReadOnlySet<string>? PreviousNames,
        IReadOnlyList<string> DecodeProblems,
        string? Error)
    {
        private static VerifyFiles Failed(string error) => new(null, [], [], null, null, [], error);

        public static async Task<VerifyFiles> ReadAsync(string certPath, string? chainPath, string? trustPath, string? keyPath, string? previousPath, CancellationToken ct)
        {
            var problems = new List<string>();
            var certs = await PemReader.ReadCertificateFileAsync(certPath, PemLimits.Chain, ct);
            if (certs.Error is not null) return Failed($"--cert: {certs.Error}");
            problems.AddRange(certs.Undecodable.Select(p => $"--cert: {p}"));
            var leaf = certs.FirstDecodes ? certs.Certificates[0] : null;
            var chain = new List<X509Certificate2>(certs.FirstDecodes ? certs.Certificates.Skip(1) : certs.Certificates);
            if (chainPath is not null)
            {
                var read = await PemReader.ReadCertificateFileAsync(chainPath, PemLimits.Chain, ct);
                if (read.Error is not null) return Failed($"--chain: {read.Error}");
                problems.AddRange(read.Undecodable.Select(p => $"--chain: {p}"));
                chain.AddRange(read.Certificates);
            }
            IReadOnlyList<X509Certificate2> anchors = [];
            if (trustPath is not null)
            {
                // Trust is configuration, not the certificate under test: a broken anchor is invalid input.
                var read = await PemReader.ReadCertificateFileAsync(trustPath, PemLimits.TrustBundle, ct);
                if (read.Error is not null) return Failed($"--trust: {read.Error}");
                if (read.Undecodable.Count > 0) return Failed($"--trust: {trustPath}: {read.Undecodable[0]}");
                anchors = read.Certificates;
            }
            string? keyPem = null;
            if (keyPath is not null)
            {
                // Only read here: what the key holds is judged by the key rules, whose messages never quote it.
                var (text, error) = await PemReader.ReadTextAsync(keyPath, PemLimits.Chain, ct);
                if (text is null) return Failed($"--key: {error}");
                keyPem = text;
            }
            IReadOnlySet<string>? previousNames = null;
            if (previousPath is not null)
            {
                var read = await PemReader.ReadCertificateFileAsync(previousPath, PemLimits.Chain, ct);
                if (read.Error is not null) return Failed($"--previous: {read.Error}");
                if (!read.FirstDecodes) return Failed($"--previous: {previousPath}: {read.Undecodable[0]}");
                if (!CertificateNames.TryRead(read.Certificates[0], out var prev, out var problem))
                {
                    return Failed($"--previous: {previousPath}: its subjectAltName does not decode: {problem}");
                }
                previousNames = prev;
            }
            return new VerifyFiles(leaf, chain, anchors, keyPem, previousNames, problems, null);
        }
    }
}
