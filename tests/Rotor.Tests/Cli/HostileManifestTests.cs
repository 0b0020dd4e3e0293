using System.Text;
using Rotor.Cli;
using Rotor.Tests.Resources;
using Rotor.Tests.Support;
using Xunit.Abstractions;

namespace Rotor.Tests.Cli;

/// <summary>
/// Each manifest that once crashed, stalled or bloated <c>rotor apply</c>, through the real CLI:
/// exit 2 with the field and rule, within 2 s of CPU and 200 MB, and nothing stored changes.
/// </summary>
[Collection(MeasuredCollection.Name)]
public class HostileManifestTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "deep-nesting", "yaml-depth", "spec.dnsNames[0]" },
        { "alias-bomb", "yaml-aliases", "spec." },
        { "10MB-of-separators", "yaml-size", "(file)" },
        { "4MB-of-values", "yaml-nodes", "spec.dnsNames[" },
        { "probes-nan", "number-range", "spec.rotation.healthGate.probesPerSecond" },
        { "nul-in-path", "control-character", "spec.deploy[0].path" },
        { "nul-in-common-name", "control-character", "spec.commonName" },
        { "invalid-code-point", "invalid-unicode", "spec.commonName" },
        { "duration-3000000d", "duration-range", "spec.duration" },
        { "invalid-utf8", "invalid-utf8", "(file)" },
    };

    private static byte[] Content(string name) => name switch
    {
        "deep-nesting" => Encoding.UTF8.GetBytes(HostileManifests.DeepNesting()),
        "alias-bomb" => Encoding.UTF8.GetBytes(HostileManifests.AliasBomb()),
        "10MB-of-separators" => Encoding.UTF8.GetBytes(HostileManifests.DocumentSeparators(10 * 1024 * 1024)),
        "4MB-of-values" => Encoding.UTF8.GetBytes(HostileManifests.ManyValues(4 * 1024 * 1024)),
        "probes-nan" => Certificate(extra: "  rotation: {healthGate: {probesPerSecond: NaN}}"),
        "nul-in-path" => Edit(Certificate(), "path: out/sip-edge", "path: \"out/sip\\0edge\""),
        "nul-in-common-name" => Edit(Certificate(), "commonName: sip.example.test", "commonName: \"sip\\0.example.test\""),
        "invalid-code-point" => Edit(Certificate(), "commonName: sip.example.test", "commonName: \"\\UFFFFFFFF\""),
        "duration-3000000d" => Certificate(duration: "3000000d"),
        "invalid-utf8" => [.. Encoding.UTF8.GetBytes(Manifests.Certificate(dnsNames: "[caf")), 0xC3, 0x28, .. "]\n"u8],
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>A change to the stored certificate, made bad in one field: none of it may land.</summary>
    private static byte[] Certificate(string extra = "", string duration = "2160h") =>
        Encoding.UTF8.GetBytes(Manifests.Certificate(dnsNames: "[changed.example.test]", extra: extra, duration: duration));

    private static byte[] Edit(byte[] text, string from, string to)
    {
        var s = Encoding.UTF8.GetString(text);
        Assert.Contains(from, s, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(s.Replace(from, to, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_hostile_manifest_exits_2_with_its_field_and_rule_fast_and_changes_nothing(string name, string rule, string field)
    {
        using var rotor = new TestRotor();
        var good = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()), "good.yaml");
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", good)).Code);
        var (_, before, _) = await rotor.RunAsync("get", "certificates", "-o", "json");
        var (_, eventsBefore, _) = await rotor.RunAsync("events", "-o", "json");
        var bad = rotor.Dir.Combine("bad.yaml");
        await File.WriteAllBytesAsync(bad, Content(name));

        var ((code, _, err), cost) = await Measurement.RunAsync(() => rotor.RunAsync("apply", "-f", bad));
        output.WriteLine($"{name}: {new FileInfo(bad).Length:N0} bytes, exit {code}, {cost}");

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("nothing was applied", err, StringComparison.Ordinal);
        Assert.Contains($"[rule: {rule}]", err, StringComparison.Ordinal);
        Assert.Matches(@"bad\.yaml:\d+:\d+: " + System.Text.RegularExpressions.Regex.Escape(field), err);
        cost.AssertBounded();

        Assert.Equal(before, (await rotor.RunAsync("get", "certificates", "-o", "json")).Out);
        Assert.Equal(eventsBefore, (await rotor.RunAsync("events", "-o", "json")).Out);
    }

    [Fact]
    public async Task A_manifest_file_that_never_ends_is_read_only_up_to_the_limit()
    {
        using var rotor = new TestRotor();
        var good = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()), "good.yaml");
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", good)).Code);
        var endless = rotor.Dir.Combine("endless.yaml");
        File.CreateSymbolicLink(endless, "/dev/zero"); // its length reads as 0, its content never ends
        var (code, _, err) = await rotor.RunAsync("apply", "-f", endless);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("[rule: yaml-size]", err, StringComparison.Ordinal);
    }
}
