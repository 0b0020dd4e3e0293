using Rotor.Testing;
using Rotor.Tests.Support;

namespace Rotor.Tests.Cli;

/// <summary>
/// Every folder under examples/ is valid as shipped: `rotor apply -f` stores all of its documents.
/// Applying touches no network and reads no secret, so examples aimed at a real CA check here too.
/// (examples/quickstart is also run end to end by the integration tests.)
/// </summary>
public class ExampleManifestTests
{
    private static string Examples() => Path.Combine(Checkout.Root(), "examples");

    public static TheoryData<string> Folders()
    {
        var data = new TheoryData<string>();
        foreach (var folder in Directory.GetDirectories(Examples()).Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(folder));
        return data;
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task The_example_applies_as_shipped(string folder)
    {
        using var rotor = new TestRotor();
        var (code, output, err) = await rotor.RunAsync("apply", "-f", Path.Combine(Examples(), folder));
        Assert.True(code == 0, err);
        Assert.Contains("certificate/", output, StringComparison.Ordinal);
        Assert.DoesNotContain("unchanged", output, StringComparison.Ordinal);
    }

    [Fact]
    public void There_is_an_acme_example_beside_the_quickstart() =>
        Assert.Equal(["acme-kamailio", "quickstart"], Directory.GetDirectories(Examples()).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToArray());
}
