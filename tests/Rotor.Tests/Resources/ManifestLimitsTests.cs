using System.Text;
using Rotor.Core.Resources;
using Xunit.Abstractions;

namespace Rotor.Tests.Resources;

/// <summary>
/// The parser is total and bounded: hostile text gives one clear error (rule and field), fast,
/// with little memory, and never an exception.
/// </summary>
[Collection(MeasuredCollection.Name)]
public class ManifestLimitsTests(ITestOutputHelper output)
{
    /// <summary>Parses and checks the CPU time and the bytes it took.</summary>
    private ManifestParseResult ParseBounded(string text, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var (result, cost) = Measurement.Run(() => ManifestParser.Parse(text, "m.yaml"));
        output.WriteLine($"{test}: {text.Length:N0} chars, {cost}");
        cost.AssertBounded();
        return result;
    }

    private static ManifestError Only(ManifestParseResult result, string rule)
    {
        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors);
        Assert.Equal(rule, error.Rule);
        return error;
    }

    [Fact]
    public void Nesting_40000_deep_is_refused_at_the_depth_limit_without_recursing()
    {
        var text = HostileManifests.DeepNesting();
        Assert.InRange(text.Length, 80_000, 81_000);
        var error = Only(ParseBounded(text), "yaml-depth");
        Assert.Equal(5, error.Line);
        Assert.StartsWith("spec.dnsNames[0][0]", error.Field, StringComparison.Ordinal);
        Assert.Contains("64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_block_nesting_is_refused_too()
    {
        var error = Only(ParseBounded(HostileManifests.DeepBlockNesting()), "yaml-depth");
        Assert.StartsWith("spec.a.a.a", error.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_read()
    {
        var depth = ManifestLimits.MaxDepth - 2; // the document's mapping and spec are two levels
        var text = "apiVersion: rotor/v1\nkind: Certificate\nmetadata: {name: c}\nspec: {commonName: a.example.test, issuerRef: {name: local}, x: " +
            new string('[', depth) + new string(']', depth) + "}\n";
        var result = ManifestParser.Parse(text, "m.yaml");
        Assert.Equal("unknown-field", Assert.Single(result.Errors).Rule);
        Assert.Equal("yaml-depth", Assert.Single(ManifestParser.Parse(text.Replace("x: [", "x: [[", StringComparison.Ordinal), "m.yaml").Errors).Rule);
    }

    [Fact]
    public void An_alias_bomb_used_as_a_key_is_refused_before_it_expands()
    {
        var text = HostileManifests.AliasBomb();
        Assert.True(Encoding.UTF8.GetByteCount(text) < 500, text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var error = Only(ParseBounded(text), "yaml-aliases");
        Assert.StartsWith("spec.", error.Field, StringComparison.Ordinal);
        Assert.Contains("100,000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Aliases_within_the_limit_are_read_as_the_values_they_name()
    {
        var result = ManifestParser.Parse("""
            apiVersion: rotor/v1
            kind: Certificate
            metadata: {name: c}
            spec:
              dnsNames: &names [a.example.test, b.example.test]
              issuerRef: {name: local}
              deploy:
                - {target: out, path: out/c}
            ---
            apiVersion: rotor/v1
            kind: Certificate
            metadata: {name: d}
            spec: {dnsNames: *names, issuerRef: {name: local}}
            """, "m.yaml");
        var error = Assert.Single(result.Errors);
        Assert.Equal("yaml-aliases", error.Rule); // anchors belong to their own document
        Assert.Equal("spec.dnsNames", error.Field);

        result = ManifestParser.Parse("""
            apiVersion: rotor/v1
            kind: Certificate
            metadata: {name: c}
            spec:
              dnsNames: &names [a.example.test, b.example.test]
              ipAddresses: []
              issuerRef: &issuer {name: local}
              deploy:
                - {target: out, path: out/c, endpoints: *names}
            """, "m.yaml");
        Assert.Empty(result.Errors);
        Assert.Equal(["a.example.test", "b.example.test"], result.Resources[0].AsCertificate().Deploy[0].Endpoints);
    }

    [Fact]
    public void A_file_of_document_separators_is_refused_at_the_document_limit()
    {
        var error = Only(ParseBounded(HostileManifests.DocumentSeparators(ManifestLimits.MaxFileBytes)), "yaml-documents");
        Assert.Equal(ManifestLimits.MaxDocuments + 1, error.Line);
        Assert.Empty(ParseBounded(HostileManifests.DocumentSeparators(4 * 1_000)).Errors);
    }

    [Fact]
    public void Text_longer_than_a_manifest_file_may_be_is_refused_unread()
    {
        var error = Only(ParseBounded(new string('#', ManifestLimits.MaxFileBytes + 1)), "yaml-size");
        Assert.Equal("(file)", error.Field);
        error = Assert.Single(ManifestParser.Parse(new byte[ManifestLimits.MaxFileBytes + 1], "m.yaml").Errors);
        Assert.Equal("yaml-size", error.Rule);
    }

    [Fact]
    public void A_file_of_millions_of_values_is_refused_at_the_node_limit()
    {
        var error = Only(ParseBounded(HostileManifests.ManyValues(ManifestLimits.MaxFileBytes)), "yaml-nodes");
        Assert.StartsWith("spec.dnsNames[", error.Field, StringComparison.Ordinal);
    }

    /// <summary>Whatever a file of the largest allowed size repeats, reading it stays within the bound.</summary>
    [Theory]
    [InlineData("a")]
    [InlineData(" ")]
    [InlineData("\n")]
    [InlineData("# comment\n")]
    [InlineData("\"\\x41\\u0042")]
    [InlineData("'a''")]
    [InlineData("- ")]
    [InlineData("? ")]
    [InlineData("a: ")]
    [InlineData("&a ")]
    [InlineData("!!str ")]
    [InlineData("[a, *x, ")]
    [InlineData("{a: 1, ")]
    [InlineData("a:\n  - b\n")]
    [InlineData("--- |\n  x\n")]
    [InlineData("a: &x [1]\nb: *x\n")]
    public void A_file_of_the_largest_size_repeating_one_thing_is_read_within_the_bound(string unit)
    {
        var text = new StringBuilder(ManifestLimits.MaxFileBytes);
        while (text.Length + unit.Length <= ManifestLimits.MaxFileBytes - 1) text.Append(unit);
        var result = ParseBounded(text.ToString(), $"'{unit.ReplaceLineEndings("\\n")}' repeated");
        Assert.Empty(result.Resources);
        Assert.InRange(result.Errors.Count, 0, ManifestLimits.MaxErrors + 2); // blanks and comments only: no document, no error
    }

    [Fact]
    public void Forty_thousand_unknown_keys_give_a_bounded_report()
    {
        var sb = new StringBuilder("apiVersion: rotor/v1\nkind: Endpoint\nmetadata: {name: e}\nspec:\n  host: sip.example.test\n");
        for (var i = 0; i < 40_000; i++) sb.Append("  k").Append(i).Append(": 1\n");
        var result = ParseBounded(sb.ToString());
        Assert.Empty(result.Resources);
        Assert.Equal(ManifestLimits.MaxErrors + 1, result.Errors.Count);
        Assert.Equal("error-limit", result.Errors[^1].Rule);
        Assert.Contains("39,000 more", result.Errors[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Thousands_of_bad_list_items_beside_thousands_of_keys_are_checked_in_linear_time()
    {
        var sb = new StringBuilder("apiVersion: rotor/v1\nkind: Certificate\nmetadata: {name: c}\nspec:\n  issuerRef: {name: local}\n");
        for (var i = 0; i < 25_000; i++) sb.Append("  k").Append(i).Append(": 1\n");
        sb.Append("  dnsNames: [").AppendJoin(',', Enumerable.Repeat("-bad-", 40_000)).Append("]\n");
        var result = ParseBounded(sb.ToString());
        Assert.Empty(result.Resources);
        Assert.Equal("error-limit", result.Errors[^1].Rule);
    }

    /// <summary>Found by fuzzing: a document ending in ": " had an unknown key "" reported with no field.</summary>
    [Fact]
    public void An_empty_key_is_reported_with_a_field()
    {
        var result = ManifestParser.Parse("apiVersion: rotor/v1\nkind: Endpoint\nmetadata: {name: e}\nspec: {host: a.example.test}\n: \n", "m.yaml");
        var error = Assert.Single(result.Errors);
        Assert.Equal(("unknown-field", "''"), (error.Rule, error.Field));
    }

    [Fact]
    public void The_error_that_stopped_reading_is_shown_even_past_the_error_limit()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 2_000; i++) text.Append("a: 1\n");
        text.Append("b: ").Append('[', 100).Append('\n');
        var errors = ManifestParser.Parse(text.ToString(), "m.yaml").Errors;
        Assert.Equal(ManifestLimits.MaxErrors + 2, errors.Count);
        Assert.Equal(["duplicate-key", "yaml-depth", "error-limit"], errors.Select(e => e.Rule).Distinct());
        Assert.Equal("yaml-depth", errors[^2].Rule);
        Assert.Contains("999 more", errors[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_written_twice_is_reported_and_the_document_refused()
    {
        var result = ManifestParser.Parse("apiVersion: rotor/v1\nkind: Endpoint\nmetadata: {name: e}\nspec:\n  host: a.example.test\n  host: b.example.test\n", "m.yaml");
        var error = Assert.Single(result.Errors);
        Assert.Equal(("duplicate-key", "spec.host", 6), (error.Rule, error.Field, error.Line));
        Assert.Empty(result.Resources);
    }

    /// <summary>Found by fuzzing: YamlDotNet threw ArgumentException ("Global tags must be valid URIs") out of the parser.</summary>
    [Theory]
    [InlineData("  commonName: !![x a.example.test", "spec.commonName")]
    [InlineData("  commonName: !<> a.example.test", "spec.commonName")]
    [InlineData("  dnsNames: [a.example.test, !<[> b.example.test]", "spec.dnsNames[1]")]
    public void A_tag_that_is_no_uri_is_a_syntax_error_not_an_exception(string line, string field)
    {
        var error = Only(ManifestParser.Parse(HostileManifests.Certificate(line), "m.yaml"), "yaml-syntax");
        Assert.Equal(field, error.Field);
        Assert.Contains("URI", ManifestParser.Parse("%TAG !e! [\n---\na: !e!x b\n", "m.yaml").Errors.Single().Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("commonName: \"\\UFFFFFFFF\"", "spec.commonName", "invalid-unicode")]
    [InlineData("commonName: \"\\U00110000\"", "spec.commonName", "yaml-syntax")]
    [InlineData("commonName: \"\\uD800\"", "spec.commonName", "yaml-syntax")]
    [InlineData("dnsNames: [a.example.test, *nowhere]", "spec.dnsNames[1]", "yaml-aliases")]
    public void A_broken_escape_or_alias_names_the_field_it_is_in(string line, string field, string rule)
    {
        var error = Only(ManifestParser.Parse(HostileManifests.Certificate("  " + line), "m.yaml"), rule);
        Assert.Equal(field, error.Field);
        Assert.Equal(6, error.Line);
    }
}
