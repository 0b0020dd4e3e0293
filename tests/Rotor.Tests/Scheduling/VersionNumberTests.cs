using System.Text.Json;
using Rotor.Tests.Support;

namespace Rotor.Tests.Scheduling;

/// <summary>
/// Versions are numbered per certificate, as people read them: each certificate's first version
/// is 1 and its next 2, whatever other certificates issued meanwhile (the store's ids are global).
/// </summary>
public class VersionNumberTests
{
    private static string Manifest(params string[] certificates) =>
        Manifests.All([Manifests.Issuer, Manifests.Target("echo \"$ROTOR_CERTIFICATE $ROTOR_VERSION\" >> reload.log"), .. certificates]);

    private static async Task<List<string>> EventMessagesAsync(TestRotor rotor, string name)
    {
        var (code, output, err) = await rotor.RunAsync("events", "--name", name, "-o", "json");
        Assert.True(code == 0, err);
        using var json = JsonDocument.Parse(output);
        return [.. json.RootElement.EnumerateArray().Select(e => e.GetProperty("message").GetString()!)];
    }

    [Fact]
    public async Task Two_certificates_each_show_version_1_then_2_in_events_reloads_describe_and_rollback()
    {
        using var rotor = new TestRotor();
        var edge = Manifests.Certificate("sip-edge");
        var trunk = Manifests.Certificate("sip-trunk", "[trunk.example.test]");

        // sip-edge gets two versions before sip-trunk gets its first (store ids 1, 2, then 3, 4).
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", rotor.WriteManifest(Manifest(edge)))).Code);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        Assert.Equal(0, (await rotor.RunAsync("rotate", "sip-edge")).Code);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", rotor.WriteManifest(Manifest(edge, trunk)))).Code);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        Assert.Equal(0, (await rotor.RunAsync("rotate", "sip-trunk")).Code);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);

        Assert.Equal(["sip-edge 1", "sip-edge 2", "sip-trunk 1", "sip-trunk 2"], await File.ReadAllLinesAsync(rotor.Dir.Combine("reload.log")));
        foreach (var name in new[] { "sip-edge", "sip-trunk" })
        {
            var messages = await EventMessagesAsync(rotor, name);
            Assert.Equal(["version 1 issued", "version 2 issued"], messages.Where(m => m.Contains(" issued by ", StringComparison.Ordinal)).Select(m => m[..16]));
            Assert.Contains(messages, m => m.StartsWith("version 2 is in service on every target", StringComparison.Ordinal) && m.Contains("; version 1 stays valid", StringComparison.Ordinal));
            Assert.Contains(messages, m => m == "version 2 deployed to target out (wave 1)");
            Assert.DoesNotContain(messages, m => m.Contains("version 3", StringComparison.Ordinal) || m.Contains("version 4", StringComparison.Ordinal));

            var (code, output, err) = await rotor.RunAsync("describe", "certificate", name, "-o", "json");
            Assert.True(code == 0, err);
            using var view = JsonDocument.Parse(output);
            Assert.Equal([1L, 2L], view.RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt64()));
            Assert.All(view.RootElement.GetProperty("rotations").EnumerateArray(), r => Assert.InRange(r.GetProperty("version").GetInt64(), 1, 2));
        }
        var table = (await rotor.RunAsync("describe", "certificate", "sip-trunk")).Out;
        Assert.Contains("VERSION", table, StringComparison.Ordinal);

        var (rollback, said, rollbackErr) = await rotor.RunAsync("rollback", "sip-trunk");
        Assert.True(rollback == 0, rollbackErr);
        Assert.Contains("version 2 rolled back; version 1 is in service again", said, StringComparison.Ordinal);
    }
}
