using Rotor.Core.Resources;

namespace Rotor.Tests.Resources;

public sealed class GenesysManifestTests
{
    private static ManifestParseResult Parse(string body) => ManifestParser.Parse($$"""
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: genesys}
        spec:
          genesysCloud: {{body}}
        """, "m.yaml");

    [Fact]
    public void A_genesysCloud_target_is_read_with_the_region_hosts()
    {
        var result = Parse("{region: mypurecloud.ie, clientIdRef: {env: GC_ID}, clientSecretRef: {file: gc-secret}, trunkIds: [4bc8a9e2-1111-2222-3333-444455556666]}");

        Assert.Empty(result.Errors);
        var spec = result.Resources[0].AsTarget();
        Assert.Equal(TargetKind.GenesysCloud, spec.Kind);
        var g = spec.GenesysCloud!;
        Assert.Equal(("mypurecloud.ie", "GC_ID", "gc-secret"), (g.Region, g.ClientIdRef.Env, g.ClientSecretRef.File));
        Assert.Equal(("https://login.mypurecloud.ie", "https://api.mypurecloud.ie"), (g.LoginBase(), g.ApiBase()));
        Assert.Equal(["4bc8a9e2-1111-2222-3333-444455556666"], g.TrunkIds);
    }

    [Fact]
    public void Login_and_api_urls_may_point_at_a_loopback_test_server()
    {
        var g = Parse("{region: usw2.pure.cloud, clientIdRef: {env: I}, clientSecretRef: {env: S}, loginUrl: \"http://127.0.0.1:9000/\", apiUrl: \"http://127.0.0.1:9000\"}").Resources[0].AsTarget().GenesysCloud!;
        Assert.Equal(("http://127.0.0.1:9000", "http://127.0.0.1:9000"), (g.LoginBase(), g.ApiBase()));
    }

    [Theory]
    [InlineData("{region: mypurecloud.example, clientIdRef: {env: I}, clientSecretRef: {env: S}}", "genesys-region", "spec.genesysCloud.region", "usw2.pure.cloud")]
    [InlineData("{clientIdRef: {env: I}, clientSecretRef: {env: S}}", "required", "spec.genesysCloud.region", "region")]
    [InlineData("{region: mypurecloud.com, clientIdRef: {env: I}}", "required", "spec.genesysCloud.clientSecretRef", "clientSecretRef")]
    [InlineData("{region: mypurecloud.com, clientIdRef: {env: I}, clientSecretRef: {env: S}, clientSecret: pw}", "secret-by-reference", "spec.genesysCloud.clientSecret", "never written inline")]
    [InlineData("{region: mypurecloud.com, clientIdRef: {env: I}, clientSecretRef: {env: S}, apiUrl: \"http://api.example.test\"}", "genesys-url", "spec.genesysCloud.apiUrl", "must be https://")]
    [InlineData("{region: mypurecloud.com, clientIdRef: {env: I}, clientSecretRef: {env: S}, loginUrl: \"https://login.example.test/oauth/token\"}", "genesys-url", "spec.genesysCloud.loginUrl", "without credentials, path or query")]
    [InlineData("{region: mypurecloud.com, clientIdRef: {env: I}, clientSecretRef: {env: S}, trunkIds: [\"a/b\"]}", "trunk-id", "spec.genesysCloud.trunkIds", "not a trunk id")]
    public void Bad_genesysCloud_fields_are_named_with_their_rule(string body, string rule, string field, string message)
    {
        var errors = Parse(body).Errors;

        Assert.Contains(errors, e => e.Rule == rule && e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Message.Contains("pw", StringComparison.Ordinal));
    }

    [Fact]
    public void A_leaf_binding_to_a_genesysCloud_target_is_an_error_naming_the_rule()
    {
        var result = ManifestParser.Parse("""
            apiVersion: rotor/v1
            kind: Target
            metadata: {name: genesys}
            spec:
              genesysCloud: {region: mypurecloud.com, clientIdRef: {env: I}, clientSecretRef: {env: S}}
            ---
            apiVersion: rotor/v1
            kind: Issuer
            metadata: {name: local}
            spec: {ca: {}}
            ---
            apiVersion: rotor/v1
            kind: Certificate
            metadata: {name: sbc}
            spec:
              commonName: sbc.example.test
              issuerRef: {name: local}
              deploy:
                - {target: genesys, role: trust}
                - {target: genesys-leaf-by-mistake}
            """, "m.yaml");
        Assert.Empty(result.Errors);
        var trustOnly = ReferenceValidator.Validate(result.Resources, (_, _) => true);
        Assert.Empty(trustOnly);

        var leaf = ManifestParser.Parse("""
            apiVersion: rotor/v1
            kind: Target
            metadata: {name: genesys}
            spec:
              genesysCloud: {region: mypurecloud.com, clientIdRef: {env: I}, clientSecretRef: {env: S}}
            ---
            apiVersion: rotor/v1
            kind: Certificate
            metadata: {name: sbc}
            spec:
              commonName: sbc.example.test
              issuerRef: {name: local}
              deploy:
                - {target: genesys}
            """, "m.yaml");
        var error = Assert.Single(ReferenceValidator.Validate(leaf.Resources, (_, _) => true));
        Assert.Equal("genesys-trust-only", error.Rule);
        Assert.Equal("spec.deploy[0].role", error.Field);
        Assert.Contains("Genesys Cloud accepts no private keys", error.Message);
    }
}
