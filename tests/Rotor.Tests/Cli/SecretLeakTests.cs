using System.Text.RegularExpressions;
using Rotor.Tests.Support;

namespace Rotor.Tests.Cli;

/// <summary>
/// Runs a whole life (issue, renew, failed reload, describe, events, json output) and scans
/// every line Rotor printed (CLI output and logs) for key material and secret values.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public class SecretLeakTests
{
    [Fact]
    public async Task No_private_key_bytes_or_secret_values_appear_in_any_output_or_log()
    {
        const string p12Password = "p12-Secret-Value-4711";
        const string masterKey = "q3b5m1z0kYyG9p4XoVbJm7c2w8tR5sLd0aQe6hUiKfE=";
        var savedMaster = Environment.GetEnvironmentVariable("ROTOR_MASTER_KEY");
        Environment.SetEnvironmentVariable("ROTOR_MASTER_KEY", masterKey);
        Environment.SetEnvironmentVariable("ROTOR_TEST_P12_PASSWORD", p12Password);
        try
        {
            using var rotor = new TestRotor();
            var marker = rotor.Dir.Combine("fail");
            var target = $$$"""
                apiVersion: rotor/v1
                kind: Target
                metadata: {name: out}
                spec:
                  file:
                    pkcs12: {file: store.p12, passwordSecretRef: {env: ROTOR_TEST_P12_PASSWORD}}
                    reload: {command: 'if [ -e {{{marker}}} ]; then cat out/sip-edge/key.pem >/dev/null; exit 1; fi'}
                """;
            var path = rotor.WriteManifest(Manifests.All(Manifests.Issuer, target, Manifests.Certificate(), Manifests.Certificate("sip-rsa", key: "{algorithm: RSA, size: 2048}")));
            await rotor.RunAsync("-v", "reconcile", "-f", path);
            File.WriteAllText(marker, "");
            await rotor.RunAsync("renew", "sip-edge");
            await rotor.RunAsync("-v", "reconcile", "--log-format", "json");
            File.Delete(marker);
            rotor.Time.Advance(TimeSpan.FromMinutes(5));
            await rotor.RunAsync("-v", "reconcile");
            foreach (var args in new[]
            {
                new[] { "describe", "certificate", "sip-edge" }, ["describe", "certificate", "sip-edge", "-o", "json"],
                ["events", "-o", "json"], ["events"], ["get", "certificates", "-o", "json"], ["get", "targets", "-o", "json"],
                ["verify", "--cert", rotor.OutFile("sip-edge", "cert.pem"), "--key", rotor.OutFile("sip-edge", "key.pem"), "-o", "json"],
            })
            {
                await rotor.RunAsync(args);
            }

            var secrets = new List<string> { p12Password, masterKey };
            foreach (var name in new[] { "sip-edge", "sip-rsa" })
            {
                secrets.AddRange(PemBodyLines(await File.ReadAllTextAsync(rotor.OutFile(name, "key.pem"))));
            }
            Assert.True(secrets.Count > 10, "the scan must have key material to look for");
            var transcript = string.Join("\n", rotor.Transcript);
            Assert.Contains("ReloadFailed", transcript, StringComparison.Ordinal);
            Assert.Contains("Issued", transcript, StringComparison.Ordinal);
            foreach (var secret in secrets)
            {
                Assert.False(transcript.Contains(secret, StringComparison.Ordinal), $"a secret ({secret.Length} chars) leaked into Rotor's output");
            }
            Assert.DoesNotContain("PRIVATE KEY", transcript, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ROTOR_MASTER_KEY", savedMaster);
            Environment.SetEnvironmentVariable("ROTOR_TEST_P12_PASSWORD", null);
        }
    }

    /// <summary>The base64 lines of a PEM body, each long enough to be unmistakable.</summary>
    private static IEnumerable<string> PemBodyLines(string pem) =>
        pem.Split('\n').Select(l => l.Trim()).Where(l => l.Length >= 40 && Regex.IsMatch(l, "^[A-Za-z0-9+/=]+$"));
}
