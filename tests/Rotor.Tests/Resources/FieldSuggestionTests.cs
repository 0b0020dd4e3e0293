using Rotor.Core.Resources;

namespace Rotor.Tests.Resources;

public class FieldSuggestionTests
{
    private static ManifestError UnknownField(string specLine)
    {
        var result = ManifestParser.Parse(
            $"apiVersion: rotor/v1\nkind: Certificate\nmetadata: {{name: c}}\nspec:\n  dnsNames: [a.example.test]\n  issuerRef: {{name: local}}\n  {specLine}\n", "m.yaml");
        return Assert.Single(result.Errors, e => e.Rule == "unknown-field");
    }

    [Theory]
    [InlineData("dnsName: [a.example.test]", "dnsName", "dnsNames")]
    [InlineData("comonName: a.example.test", "comonName", "commonName")]
    [InlineData("DNSNames: [a.example.test]", "DNSNames", "dnsNames")]
    [InlineData("renewBeforePercent: 30", "renewBeforePercent", null)]
    [InlineData("ipAdresses: [192.0.2.1]", "ipAdresses", "ipAddresses")]
    [InlineData("colour: red", "colour", null)]
    [InlineData("uri: [sip:a]", "uri", "uris")]
    public void An_unknown_field_close_to_a_known_one_gets_a_suggestion(string line, string key, string? suggestion)
    {
        var error = UnknownField(line);

        Assert.Equal("spec." + key, error.Field);
        Assert.Equal(7, error.Line);
        Assert.Equal($"unknown field '{key}'" + (suggestion is null ? "" : $"; did you mean '{suggestion}'?"), error.Message);
    }

    [Fact]
    public void Nested_mappings_suggest_their_own_fields()
    {
        var result = ManifestParser.Parse(
            "apiVersion: rotor/v1\nkind: Certificate\nmetadata: {name: c}\nspec:\n  dnsNames: [a.example.test]\n  issuerRef: {name: local}\n  privateKey: {algoritm: RSA}\n", "m.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal("spec.privateKey.algoritm", error.Field);
        Assert.EndsWith("did you mean 'algorithm'?", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dnsName", "dnsNames", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("SNI", "sni", 0)]
    public void Distance_counts_edits_ignoring_case(string a, string b, int distance)
    {
        Assert.Equal(distance, FieldSuggestion.Distance(a, b));
    }

    [Fact]
    public void Short_names_are_suggested_only_for_a_difference_of_case()
    {
        Assert.Equal("sni", FieldSuggestion.Closest("SNI", ["sni", "sip"]));
        Assert.Null(FieldSuggestion.Closest("snx", ["sni", "sip"]));
        Assert.Null(FieldSuggestion.Closest(new string('d', 10_000), ["dnsNames"]));
    }
}
