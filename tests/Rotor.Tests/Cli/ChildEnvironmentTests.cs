using Rotor.Tests.Support;

namespace Rotor.Tests.Cli;

/// <summary>A reload command sees PATH and the documented ROTOR_* variables, never the master key or a secret value.</summary>
[Collection(EnvironmentCollection.Name)]
public class ChildEnvironmentTests
{
    [Fact]
    public async Task A_reload_command_that_dumps_its_environment_shows_no_master_key_and_no_secret_value()
    {
        const string masterKey = "ZkVAZqkn6pvrSK7PDCJjPqjyJEfJTrSl+V8orJGFr8M=";
        const string p12Password = "p12-Env-Secret-0815";
        const string unrelated = "unrelated-value-in-rotors-environment";
        var saved = Environment.GetEnvironmentVariable("ROTOR_MASTER_KEY");
        Environment.SetEnvironmentVariable("ROTOR_MASTER_KEY", masterKey);
        Environment.SetEnvironmentVariable("ROTOR_TEST_ENV_P12", p12Password);
        Environment.SetEnvironmentVariable("ROTOR_TEST_UNRELATED", unrelated);
        try
        {
            using var rotor = new TestRotor();
            var target = """
                apiVersion: rotor/v1
                kind: Target
                metadata: {name: out}
                spec:
                  file:
                    pkcs12: {file: store.p12, passwordSecretRef: {env: ROTOR_TEST_ENV_P12}}
                    reload: {command: 'env > env.txt'}
                """;
            var path = rotor.WriteManifest(Manifests.All(Manifests.Issuer, target, Manifests.Certificate()));
            var (code, _, err) = await rotor.RunAsync("reconcile", "-f", path);
            Assert.True(code == 0, err);

            var dump = await File.ReadAllTextAsync(rotor.Dir.Combine("env.txt"));
            var names = dump.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')[0]).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("PATH", names);
            Assert.Contains("ROTOR_CERTIFICATE", names);
            Assert.Contains("ROTOR_VERSION", names);
            Assert.DoesNotContain("ROTOR_MASTER_KEY", names);
            Assert.DoesNotContain("ROTOR_TEST_ENV_P12", names);
            Assert.DoesNotContain(masterKey, dump, StringComparison.Ordinal);
            Assert.DoesNotContain(p12Password, dump, StringComparison.Ordinal);
            Assert.DoesNotContain(unrelated, dump, StringComparison.Ordinal);
            // Only PATH and Rotor's own documented names (the shell adds PWD, SHLVL and _ itself).
            Assert.DoesNotContain(names, n => n != "PATH" && !n.StartsWith("ROTOR_", StringComparison.Ordinal) && n is not ("PWD" or "SHLVL" or "_" or "OLDPWD"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ROTOR_MASTER_KEY", saved);
            Environment.SetEnvironmentVariable("ROTOR_TEST_ENV_P12", null);
            Environment.SetEnvironmentVariable("ROTOR_TEST_UNRELATED", null);
        }
    }

    [Fact]
    public async Task A_reload_command_gets_the_variables_its_target_lists_by_name_and_never_the_master_key()
    {
        var saved = Environment.GetEnvironmentVariable("ROTOR_MASTER_KEY");
        Environment.SetEnvironmentVariable("ROTOR_TEST_KUBECONFIG", "/etc/rotor/kubeconfig");
        Environment.SetEnvironmentVariable("ROTOR_TEST_NOT_LISTED", "not-listed-value");
        try
        {
            using var rotor = new TestRotor();
            var target = """
                apiVersion: rotor/v1
                kind: Target
                metadata: {name: out}
                spec:
                  file:
                    reload: {command: 'env > env.txt', passEnvironment: [ROTOR_TEST_KUBECONFIG, ROTOR_TEST_UNSET]}
                """;
            var path = rotor.WriteManifest(Manifests.All(Manifests.Issuer, target, Manifests.Certificate()));
            var (code, _, err) = await rotor.RunAsync("reconcile", "-f", path);
            Assert.True(code == 0, err);
            var dump = await File.ReadAllTextAsync(rotor.Dir.Combine("env.txt"));
            Assert.Contains("ROTOR_TEST_KUBECONFIG=/etc/rotor/kubeconfig", dump, StringComparison.Ordinal);
            Assert.DoesNotContain("not-listed-value", dump, StringComparison.Ordinal);
            Assert.DoesNotContain("ROTOR_TEST_UNSET", dump, StringComparison.Ordinal);

            var master = target.Replace("ROTOR_TEST_UNSET", "ROTOR_MASTER_KEY", StringComparison.Ordinal);
            var refused = rotor.WriteManifest(Manifests.All(Manifests.Issuer, master, Manifests.Certificate()), "master.yaml");
            (code, _, err) = await rotor.RunAsync("apply", "-f", refused);
            Assert.Equal(Rotor.Cli.ExitCodes.InvalidInput, code);
            Assert.Contains("environment-secret", err, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ROTOR_MASTER_KEY", saved);
            Environment.SetEnvironmentVariable("ROTOR_TEST_KUBECONFIG", null);
            Environment.SetEnvironmentVariable("ROTOR_TEST_NOT_LISTED", null);
        }
    }
}
