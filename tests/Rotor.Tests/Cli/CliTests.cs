using System.Text.Json;
using Rotor.Cli;
using Rotor.Tests.Support;

namespace Rotor.Tests.Cli;

public class CliTests
{
    [Theory]
    [InlineData("kind: Certificate\nmetadata: {name: [oops\n", "yaml-syntax")]
    [InlineData("apiVersion: rotor/v1\nkind: Certificate\nmetadata: {name: c}\nspec: {dnsNames: [a.example.test], issuerRef: {name: local}, colour: red}\n", "unknown-field")]
    [InlineData("apiVersion: rotor/v1\nkind: Certificate\nmetadata: {name: c}\nspec: {dnsNames: [a.example.test], issuerRef: {name: local}, duration: 3 months}\n", "duration-format")]
    [InlineData("apiVersion: rotor/v1\nkind: Certificate\nmetadata: {name: c}\nspec: {dnsNames: [a.example.test], issuerRef: {name: elsewhere}}\n", "issuer-exists")]
    public async Task Bad_input_exits_2_with_file_line_field_and_rule_and_changes_nothing(string badDocument, string rule)
    {
        using var rotor = new TestRotor();
        var good = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()), "good.yaml");
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", good)).Code);
        var (_, before, _) = await rotor.RunAsync("get", "certificates", "-o", "json");
        var (_, eventsBefore, _) = await rotor.RunAsync("events", "-o", "json");

        // A valid change to sip-edge in the same apply as the bad document must not land either.
        var bad = rotor.WriteManifest(Manifests.All(Manifests.Certificate(dnsNames: "[x.example.test]"), badDocument), "bad.yaml");
        var (code, _, err) = await rotor.RunAsync("apply", "-f", bad);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("nothing was applied", err, StringComparison.Ordinal);
        Assert.Contains(rule, err, StringComparison.Ordinal);
        Assert.Matches(@"bad\.yaml:\d+:\d+: ", err);

        Assert.Equal(before, (await rotor.RunAsync("get", "certificates", "-o", "json")).Out);
        Assert.Equal(eventsBefore, (await rotor.RunAsync("events", "-o", "json")).Out);
    }

    [Fact]
    public async Task Two_certificates_writing_into_one_folder_or_a_file_target_without_a_folder_are_refused()
    {
        using var rotor = new TestRotor();
        var first = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate("a")), "a.yaml");
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", first)).Code);

        // "b" deploys to out/a, the folder "a" (already stored) writes into.
        var clash = rotor.WriteManifest(Manifests.Certificate("b").Replace("path: out/b", "path: out/a", StringComparison.Ordinal), "b.yaml");
        var (code, _, err) = await rotor.RunAsync("apply", "-f", clash);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("deploy-folder-unique", err, StringComparison.Ordinal);
        Assert.Contains("Certificate 'a' already writes", err, StringComparison.Ordinal);

        var noFolder = rotor.WriteManifest(Manifests.Certificate("c").Replace("{target: out, path: out/c}", "{target: out}", StringComparison.Ordinal), "c.yaml");
        (code, _, err) = await rotor.RunAsync("apply", "-f", noFolder);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("file-target-folder", err, StringComparison.Ordinal);

        using var json = JsonDocument.Parse((await rotor.RunAsync("get", "certificates", "-o", "json")).Out);
        Assert.Equal(1, json.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Relative_paths_resolve_against_the_manifest_file_not_the_working_directory()
    {
        using var rotor = new TestRotor();
        var path = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()), "conf/site/rotor.yaml");
        Assert.Equal(0, (await rotor.RunAsync("reconcile", "-f", path)).Code);
        Assert.True(File.Exists(rotor.Dir.Combine("conf", "site", "out", "sip-edge", "cert.pem")));
        Assert.True(File.Exists(rotor.Dir.Combine("conf", "site", "reload.log")));
    }

    [Fact]
    public async Task Read_commands_give_tables_and_json()
    {
        using var rotor = new TestRotor();
        var path = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()));
        Assert.Equal(0, (await rotor.RunAsync("reconcile", "-f", path)).Code);

        var (code, table, _) = await rotor.RunAsync("get", "certificates");
        Assert.Equal(0, code);
        Assert.Contains("sip-edge", table, StringComparison.Ordinal);
        Assert.Contains("True", table, StringComparison.Ordinal);

        using var json = JsonDocument.Parse((await rotor.RunAsync("get", "certificates", "-o", "json")).Out);
        var row = json.RootElement[0];
        Assert.Equal("sip-edge", row.GetProperty("name").GetString());
        Assert.True(row.GetProperty("ready").GetBoolean());

        using var issuers = JsonDocument.Parse((await rotor.RunAsync("get", "issuers", "-o", "json")).Out);
        Assert.Equal("Ca", issuers.RootElement[0].GetProperty("kind").GetString());

        var (dcode, describe, _) = await rotor.RunAsync("describe", "certificate", "sip-edge");
        Assert.Equal(0, dcode);
        Assert.Contains("Next renewal:", describe, StringComparison.Ordinal);
        Assert.Contains("Active", describe, StringComparison.Ordinal);
        Assert.Contains("Deployed", describe, StringComparison.Ordinal);
        using var djson = JsonDocument.Parse((await rotor.RunAsync("describe", "certificate", "sip-edge", "-o", "json")).Out);
        Assert.Equal("Promoted", djson.RootElement.GetProperty("rotations")[0].GetProperty("state").GetString());

        Assert.Equal(ExitCodes.NotFound, (await rotor.RunAsync("describe", "certificate", "nope")).Code);
        Assert.Equal(ExitCodes.NotFound, (await rotor.RunAsync("renew", "nope")).Code);
        Assert.Equal(ExitCodes.InvalidInput, (await rotor.RunAsync("get", "widgets")).Code);
        Assert.NotEqual(0, (await rotor.RunAsync("frobnicate")).Code);
    }

    [Fact]
    public async Task Verify_checks_files_a_user_already_has()
    {
        using var rotor = new TestRotor();
        var path = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()));
        Assert.Equal(0, (await rotor.RunAsync("reconcile", "-f", path)).Code);
        var root = Path.Combine(rotor.Data, "ca", "root.pem");
        string[] common = ["verify", "--cert", rotor.OutFile("sip-edge", "cert.pem"), "--key", rotor.OutFile("sip-edge", "key.pem"), "--trust", root];

        var (ok, output, _) = await rotor.RunAsync([.. common, "--name", "sip.example.test", "--usage", "server auth", "--usage", "client auth"]);
        Assert.Equal(0, ok);
        Assert.Contains("OK", output, StringComparison.Ordinal);

        var (bad, failed, _) = await rotor.RunAsync([.. common, "--name", "other.example.test", "--renew-before", "100000h"]);
        Assert.Equal(ExitCodes.Failed, bad);
        Assert.Contains("sans-cover-spec", failed, StringComparison.Ordinal);
        Assert.Contains("outlives-renew-before", failed, StringComparison.Ordinal);

        using var json = JsonDocument.Parse((await rotor.RunAsync([.. common, "-o", "json"])).Out);
        Assert.True(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal(Rotor.Core.Validation.ValidationRules.All.Count, json.RootElement.GetProperty("results").GetArrayLength());

        Assert.Equal(ExitCodes.InvalidInput, (await rotor.RunAsync("verify", "--cert", rotor.Dir.Combine("missing.pem"))).Code);
    }

    [Fact]
    public async Task Init_creates_the_local_root_once()
    {
        using var rotor = new TestRotor();
        var (code, first, _) = await rotor.RunAsync("init", "--root-name", "Example SIP Root");
        Assert.Equal(0, code);
        Assert.Contains("Created local root CA 'CN=Example SIP Root, O=Rotor'", first, StringComparison.Ordinal);
        var (_, second, _) = await rotor.RunAsync("init");
        Assert.Contains("Found", second, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(rotor.Data, "keys", "ca-root.key")));
    }
}

public class ParallelismOptionTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    public async Task A_parallelism_outside_1_to_64_is_refused_naming_the_option(string value)
    {
        using var rotor = new TestRotor();
        var (code, _, err) = await rotor.RunAsync("reconcile", "--parallelism", value);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains($"--parallelism: {value} is not between 1 and 64", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_parallelism_1_each_certificate_is_finished_before_the_next_is_started()
    {
        // Options as a real run has them (parallelism 4); the command line's --parallelism 1 wins.
        using var rotor = new TestRotor(new Rotor.Scheduling.ReconcilerOptions { UnitRandom = () => 0.5, Parallelism = 4 });
        var manifest = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate("a"), Manifests.Certificate("b"), Manifests.Certificate("c")), "m.yaml");

        var (code, output, log) = await rotor.RunAsync("reconcile", "-f", manifest, "--parallelism", "1");

        Assert.True(code == 0, output + log);
        Assert.Contains("3 issued", output, StringComparison.Ordinal);
        var lines = log.Split('\n');
        int Started(string n) => Array.FindIndex(lines, l => l.Contains($"Reconciling {n}:", StringComparison.Ordinal));
        int Active(string n) => Array.FindIndex(lines, l => l.Contains($": {n} version ", StringComparison.Ordinal) && l.Contains(" is active", StringComparison.Ordinal));
        var order = new[] { "a", "b", "c" }.OrderBy(Started).ToArray();
        Assert.All(order, n => Assert.True(Started(n) >= 0 && Active(n) > Started(n), log));
        for (var i = 1; i < order.Length; i++)
        {
            Assert.True(Active(order[i - 1]) < Started(order[i]), log);
        }
    }
}
