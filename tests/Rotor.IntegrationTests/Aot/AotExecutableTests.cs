using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Rotor.Cli;
using Rotor.IntegrationTests.Support;
using Rotor.Testing;

namespace Rotor.IntegrationTests.Aot;

/// <summary>
/// The Native AOT <c>rotor</c> executable (test.sh publishes it with <c>-p:PublishAot=true</c> and
/// names it in ROTOR_AOT_EXE) does the same work as the managed one: ACME over DNS-01 (RFC 2136
/// with TSIG through ARSoft.Tools.Net) and HTTP-01 against Pebble and BIND, the local CA, JSON logs,
/// and prints byte for byte the same <c>-o json</c> as the managed CLI on the same data folder
/// (the JSON metadata is generated at build time; nothing falls back to reflection).
/// </summary>
[Collection(AcmeLabCollection.Name)]
public class AotExecutableTests(AcmeLab lab)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    /// <summary>The published executable: ROTOR_AOT_EXE, else artifacts/publish/rotor-aot/rotor.</summary>
    private static string? Executable()
    {
        var exe = Environment.GetEnvironmentVariable("ROTOR_AOT_EXE");
        if (string.IsNullOrEmpty(exe)) exe = Path.Combine(Checkout.Root(), "artifacts", "publish", "rotor-aot", "rotor");
        return File.Exists(exe) ? exe : null;
    }

    private static bool RequireExecutable(out string exe)
    {
        exe = Executable() ?? "";
        return EnvScript.Require(exe.Length > 0,
            "the Native AOT rotor is missing: test.sh publishes it (dotnet publish src/Rotor -r linux-x64 -p:PublishAot=true, needs clang and zlib1g-dev) and sets ROTOR_AOT_EXE",
            "Native AOT rotor");
    }

    private static Task<(int Code, string Out, string Err)> Native(string exe, string workingDirectory, params string[] args) =>
        RotorProcess.RunExecutableAsync(exe, workingDirectory, Bound, args);

    private static async Task<string> Managed(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await RotorCli.InvokeAsync(args, output, error);
        Assert.True(code == 0, output + error.ToString());
        return output.ToString();
    }

    /// <summary>Every read command's JSON, from the native and the managed CLI on the same data folder.</summary>
    private static async Task SameJsonAsync(string exe, string dir, string data, string certificate)
    {
        foreach (var args in new[]
        {
            new[] { "get", "certificates" }, ["get", "issuers"], ["get", "targets"],
            ["describe", "certificate", certificate], ["events"],
        })
        {
            var (code, native, err) = await Native(exe, dir, [.. args, "-o", "json", "--data", data]);
            Assert.True(code == 0, native + err);
            using var parsed = JsonDocument.Parse(native);
            Assert.Equal(await Managed([.. args, "-o", "json", "--data", data]), native);
        }
    }

    private static async Task ChainVerifiesAsync(string dir)
    {
        var (verify, text) = await OpenSsl.RunAsync("verify", "-CAfile", Path.Combine(dir, "issuer-root.pem"), "-untrusted", Path.Combine(dir, "out", "chain.pem"), Path.Combine(dir, "out", "cert.pem"));
        Assert.True(verify == 0, text);
    }

    [Fact]
    public async Task The_native_executable_issues_over_real_dns01_with_tsig_logs_json_and_prints_the_managed_json()
    {
        lab.StartPebble("real");
        if (!lab.Require() || !RequireExecutable(out var exe)) return;
        using var dir = new TempDir();
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"));
        File.WriteAllText(dir.Combine("tsig.secret"), lab.Bind["ACME_LAB_TSIG_SECRET"]);
        File.WriteAllText(dir.Combine("rotor.yaml"), AcmeManifests.All(
        [
            AcmeManifests.Issuer("pebble", lab.Directory, lab.TlsCa, "issuer-root.pem", $$"""
                - dns01:
                    rfc2136:
                      nameserver: 127.0.0.1:{{AcmeLab.DnsPort}}
                      tsigKeyName: {{lab.Bind["ACME_LAB_TSIG_KEY_NAME"]}}
                      tsigAlgorithm: {{lab.Bind["ACME_LAB_TSIG_ALGORITHM"]}}
                      tsigSecretSecretRef: {file: tsig.secret}
                    resolvers: [127.0.0.1:{{AcmeLab.DnsPort}}]
                    authoritativePort: {{AcmeLab.DnsPort}}
                    propagationTimeout: 20s
                """),
            AcmeManifests.Target,
            AcmeManifests.Certificate("edge", "[aot-edge.example.test, aot-trunk.example.test]"),
        ]));
        var data = dir.Combine("data");

        var (code, output, log) = await Native(exe, dir.Path, "reconcile", "-f", "rotor.yaml", "--data", data, "--log-format", "json");

        Assert.True(code == 0, output + log);
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var record = JsonDocument.Parse(line);
            Assert.True(record.RootElement.TryGetProperty("message", out _), line);
        }
        Assert.Contains(lines, l => l.Contains("Issued edge", StringComparison.Ordinal));
        Assert.DoesNotContain(lab.Bind["ACME_LAB_TSIG_SECRET"], output + log, StringComparison.Ordinal);
        using var leaf = X509CertificateLoader.LoadCertificateFromFile(dir.Combine("out", "cert.pem"));
        Assert.Contains("DNS:aot-trunk.example.test", global::Rotor.Core.Validation.CertificateNames.Read(leaf));
        await ChainVerifiesAsync(dir.Path);
        Assert.Empty(await AcmeLab.TxtRecordsAsync("_acme-challenge.aot-edge.example.test"));
        Assert.Empty(await AcmeLab.TxtRecordsAsync("_acme-challenge.aot-trunk.example.test"));
        await SameJsonAsync(exe, dir.Path, data, "edge");
    }

    [Fact]
    public async Task The_native_executable_issues_over_http01_with_its_responder_and_prints_the_managed_json()
    {
        lab.StartPebble("real");
        if (!lab.Require() || !RequireExecutable(out var exe)) return;
        using var dir = new TempDir();
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"));
        File.WriteAllText(dir.Combine("rotor.yaml"), AcmeManifests.All(
        [
            AcmeManifests.Issuer("pebble", lab.Directory, lab.TlsCa, "issuer-root.pem", AcmeManifests.HttpResponder),
            AcmeManifests.Target,
            AcmeManifests.Certificate("trunk", "[aot-http.example.test]"),
        ]));
        var data = dir.Combine("data");

        var (code, output, log) = await Native(exe, dir.Path, "reconcile", "-f", "rotor.yaml", "--data", data, "-o", "json");

        Assert.True(code == 0, output + log);
        using (var total = JsonDocument.Parse(output))
        {
            Assert.Equal(1, total.RootElement.GetProperty("issued").GetInt32());
            Assert.Equal(0, total.RootElement.GetProperty("failed").GetInt32());
        }
        await ChainVerifiesAsync(dir.Path);
        await SameJsonAsync(exe, dir.Path, data, "trunk");
    }

    [Fact]
    public async Task The_native_executable_runs_the_local_ca_and_verify_like_the_managed_one()
    {
        if (!RequireExecutable(out var exe)) return;
        using var dir = new TempDir();
        var data = dir.Combine("data");
        var (code, init, err) = await Native(exe, dir.Path, "init", "--data", data, "-o", "json");
        Assert.True(code == 0, init + err);
        Assert.Equal(await Managed("init", "--data", data, "-o", "json"), init.Replace("\"created\": true", "\"created\": false", StringComparison.Ordinal));
        File.WriteAllText(dir.Combine("rotor.yaml"), LocalCaManifest.Text("dnsNames: [sip.example.test]\nusages: [server auth, client auth]"));
        (code, var output, err) = await Native(exe, dir.Path, "reconcile", "-f", "rotor.yaml", "--data", data);
        Assert.True(code == 0, output + err);
        var verify = new[] { "verify", "--cert", dir.Combine("out", "cert.pem"), "--key", dir.Combine("out", "key.pem"), "--trust", dir.Combine("data", "ca", "root.pem"), "--name", "sip.example.test", "-o", "json" };
        (code, var report, err) = await Native(exe, dir.Path, verify);
        Assert.True(code == 0, report + err);
        using (var parsed = JsonDocument.Parse(report))
        {
            Assert.True(parsed.RootElement.GetProperty("passed").GetBoolean());
        }
        Assert.Equal(await Managed(verify), report);
        await SameJsonAsync(exe, dir.Path, data, "sip-edge");
    }
}
