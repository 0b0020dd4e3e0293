using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;
using Rotor.Core.Validation;
using Rotor.Issuers;
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
        var cmd = new Command("verify", "Check certificate files against every pre-deploy rule, as Rotor does before it deploys")
        {
            cert, key, chain, trust, names, usages, renewBefore, previous, secure,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            X509Certificate2 leaf;
            var extra = new List<X509Certificate2>();
            var anchors = new List<X509Certificate2>();
            string? keyPem = null;
            IReadOnlySet<string>? previousNames = null;
            TimeSpan? rb = null;
            try
            {
                var certs = CertificateBuilder.ReadPemChain(await File.ReadAllTextAsync(parse.GetValue(cert)!, ct));
                if (certs.Count == 0) return cli.Fail(ExitCodes.InvalidInput, $"--cert: no certificate in {parse.GetValue(cert)}");
                leaf = certs[0];
                extra.AddRange(certs.Skip(1));
                if (parse.GetValue(chain) is { } c) extra.AddRange(CertificateBuilder.ReadPemChain(await File.ReadAllTextAsync(c, ct)));
                if (parse.GetValue(trust) is { } t) anchors.AddRange(CertificateBuilder.ReadPemChain(await File.ReadAllTextAsync(t, ct)));
                if (parse.GetValue(key) is { } k) keyPem = await File.ReadAllTextAsync(k, ct);
                if (parse.GetValue(previous) is { } p) previousNames = CertificateNames.Read(CertificateBuilder.ReadPemChain(await File.ReadAllTextAsync(p, ct))[0]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                return cli.Fail(ExitCodes.InvalidInput, e.Message);
            }
            if (parse.GetValue(renewBefore) is { } rbText)
            {
                if (!DurationParser.TryParse(rbText, out var parsed)) return cli.Fail(ExitCodes.InvalidInput, $"--renew-before: '{rbText}' is not a duration like 720h");
                rb = parsed;
            }
            var required = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var n in parse.GetValue(names) ?? [])
            {
                required.Add(IPAddress.TryParse(n, out var ip) ? "IP:" + ip : "DNS:" + n);
            }
            var usageList = parse.GetValue(usages) is { Length: > 0 } u ? u : [Usages.ServerAuth];
            var unknown = usageList.Where(x => !Usages.Known.Contains(x)).ToList();
            if (unknown.Count > 0) return cli.Fail(ExitCodes.InvalidInput, $"--usage: unknown usage '{unknown[0]}'; use one of {string.Join(", ", Usages.Known)}");

            var report = CertificateValidator.Validate(new ValidationInput
            {
                Leaf = leaf,
                Chain = extra,
                TrustAnchors = anchors,
                PrivateKeyPem = keyPem,
                RequiredNames = required,
                PreviousNames = previousNames,
                RequiredUsages = usageList,
                RenewBefore = rb,
                SecureMode = parse.GetValue(secure),
                Now = cli.Time.GetUtcNow(),
            });
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(new VerifyJson(report.Passed, report.Results), CliJsonContext.Default.VerifyJson);
            }
            else
            {
                var table = new Table().AddColumns("RULE", "RESULT", "DETAIL");
                foreach (var r in report.Results)
                {
                    table.AddRow(r.Rule, r.Status switch { RuleStatus.Passed => "pass", RuleStatus.Failed => "FAIL", _ => "-" }, Markup.Escape(r.Message));
                }
                cli.Console.Write(table);
                cli.Output.WriteLine(report.Passed ? "OK: the certificate may be deployed" : $"FAILED: {report.Failures.Count()} rule(s) broken");
            }
            return report.Passed ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return cmd;
    }
}
