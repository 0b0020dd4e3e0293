using Rotor.Cli;
using Rotor.Tests.Support;

namespace Rotor.Tests.Cli;

/// <summary>
/// Tables are not wrapped when output is not a terminal (a pipe, a file, a test's writer), so each
/// row stays one line for grep and awk; COLUMNS, when set, is the width.
/// </summary>
public class OutputWidthTests
{
    private static readonly string LongFolder = string.Join("/", Enumerable.Repeat("a-rather-long-folder-name-for-one-site-configuration", 4));

    private static async Task<(TestRotor Rotor, string Manifest)> ApplyFromALongPathAsync()
    {
        var rotor = new TestRotor();
        var manifest = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()), $"{LongFolder}/rotor.yaml");
        Assert.True(manifest.Length > 230, manifest);
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", manifest)).Code);
        return (rotor, manifest);
    }

    [Theory]
    [InlineData("get", "targets")]
    [InlineData("events")]
    public async Task Redirected_output_keeps_each_row_on_one_line(params string[] command)
    {
        var (rotor, manifest) = await ApplyFromALongPathAsync();
        using (rotor)
        {
            var (code, output, _) = await rotor.RunAsync(command);

            Assert.Equal(0, code);
            var marker = command[0] == "get" ? "│ out " : "target/out";
            var row = Assert.Single(output.Split('\n'), l => l.Contains(marker, StringComparison.Ordinal));
            Assert.Contains(Path.GetFullPath(manifest), row, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Describe_keeps_a_long_source_path_on_its_line()
    {
        var (rotor, manifest) = await ApplyFromALongPathAsync();
        using (rotor)
        {
            var (_, output, _) = await rotor.RunAsync("describe", "target", "out");

            Assert.Contains($"Source:     {Path.GetFullPath(manifest)}\n", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Columns_when_set_is_the_width()
    {
        var (rotor, manifest) = await ApplyFromALongPathAsync();
        using (rotor)
        {
            using var output = new StringWriter();
            var cli = new CliContext(output, TextWriter.Null, rotor.Time)
            {
                ReconcilerOptions = rotor.Options,
                Environment = name => name == "COLUMNS" ? "200" : null,
            };

            Assert.Equal(0, await RotorCli.InvokeAsync(cli, ["get", "targets", "--data", rotor.Data]));

            var lines = output.ToString().TrimEnd('\n').Split('\n');
            Assert.All(lines, l => Assert.True(l.Length <= 200, $"{l.Length}: {l}"));
            Assert.Contains(lines, l => l.Length > 150); // the table grew to the width instead of stopping at 80
            Assert.DoesNotContain(lines, l => l.Contains(Path.GetFullPath(manifest), StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(null, false, CliContext.UnwrappedWidth)]
    [InlineData("132", false, 132)]
    [InlineData("132", true, 132)]
    [InlineData("0", false, CliContext.UnwrappedWidth)]
    [InlineData("wide", false, CliContext.UnwrappedWidth)]
    public void The_width_comes_from_columns_else_no_wrapping_off_a_terminal(string? columns, bool terminal, int width)
    {
        var cli = new CliContext(TextWriter.Null, TextWriter.Null, TimeProvider.System)
        {
            Environment = name => name == "COLUMNS" ? columns : null,
            OutputIsTerminal = terminal,
        };

        Assert.Equal(width, cli.Width);
    }
}
