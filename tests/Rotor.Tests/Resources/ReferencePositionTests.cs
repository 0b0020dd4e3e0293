using Rotor.Cli;
using Rotor.Core.Resources;
using Rotor.Tests.Support;

namespace Rotor.Tests.Resources;

/// <summary>A reference to a resource that does not exist is reported where the reference is written.</summary>
public class ReferencePositionTests
{
    // Line 8 holds issuerRef's name (column 11), line 12 the first deploy entry's target (column 15),
    // line 13 its endpoints (the second, 'gone', at column 28), line 14 the second entry's target (column 16).
    private const string Dangling = """
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: c}
        spec:
          dnsNames: [a.example.test]
          duration: 2160h
          issuerRef:
            name: missing-issuer
          rotation:
            overlap: 1h
          deploy:
            - target: missing-target
              endpoints: [present, gone]
            - {target: also-missing, path: out/c}
        """;

    private static IReadOnlyList<ManifestError> Validate(string yaml)
    {
        var parsed = ManifestParser.Parse(yaml, "dangling.yaml");
        Assert.Empty(parsed.Errors);
        return ReferenceValidator.Validate(parsed.Resources, (kind, name) => kind == ResourceKinds.Endpoint && name == "present");
    }

    [Fact]
    public void Each_dangling_reference_points_at_its_own_field()
    {
        var errors = Validate(Dangling).ToDictionary(e => e.Field);

        Assert.Equal((8, 11, "issuer-exists"), Where(errors["spec.issuerRef.name"]));
        Assert.Equal((12, 15, "target-exists"), Where(errors["spec.deploy[0].target"]));
        Assert.Equal((13, 28, "endpoint-exists"), Where(errors["spec.deploy[0].endpoints[1]"]));
        Assert.Equal((14, 16, "target-exists"), Where(errors["spec.deploy[1].target"]));
        Assert.Equal(4, errors.Count);
        Assert.Equal("dangling.yaml:8:11: spec.issuerRef.name: Certificate 'c' refers to Issuer 'missing-issuer', which is neither in this apply nor in the store [rule: issuer-exists]",
            errors["spec.issuerRef.name"].ToString());
    }

    [Fact]
    public void A_reference_in_the_second_document_points_into_that_document()
    {
        var errors = Validate("apiVersion: rotor/v1\nkind: Endpoint\nmetadata: {name: present}\nspec: {host: a.example.test}\n---\n" + Dangling);

        Assert.Equal(8 + 5, errors.Single(e => e.Rule == "issuer-exists").Line);
    }

    private static (int, int, string) Where(ManifestError e) => (e.Line, e.Column, e.Rule);

    [Fact]
    public async Task Apply_names_the_line_of_the_reference_and_a_missing_file_plainly()
    {
        using var rotor = new TestRotor();
        var dangling = rotor.WriteManifest(Dangling, "dangling.yaml");
        var missing = rotor.Dir.Combine("nothere.yaml");

        var (code, _, err) = await rotor.RunAsync("apply", "-f", dangling, "-f", missing);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains($"{dangling}:8:11: spec.issuerRef.name: ", err, StringComparison.Ordinal);
        Assert.Contains($"{dangling}:12:15: spec.deploy[0].target: ", err, StringComparison.Ordinal);
        Assert.Contains($"  {missing}: no such file or folder (given with -f) [rule: file-exists]", err, StringComparison.Ordinal);
        Assert.DoesNotContain(":0:0", err, StringComparison.Ordinal);
        Assert.DoesNotContain($"{dangling}:1:1", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_target_without_a_folder_points_at_the_deploy_entry()
    {
        using var rotor = new TestRotor();
        var path = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(),
            Manifests.Certificate("c").Replace("{target: out, path: out/c}", "{target: out}", StringComparison.Ordinal)), "c.yaml");
        var deployLine = File.ReadAllLines(path).Select((l, i) => (l, i)).Single(x => x.l.Contains("{target: out}", StringComparison.Ordinal)).i + 1;

        var (code, _, err) = await rotor.RunAsync("apply", "-f", path);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains($"{path}:{deployLine}:7: spec.deploy[0]: ", err, StringComparison.Ordinal);
        Assert.Contains("file-target-folder", err, StringComparison.Ordinal);
    }
}
