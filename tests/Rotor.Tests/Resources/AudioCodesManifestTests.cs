using Rotor.Core.Resources;

namespace Rotor.Tests.Resources;

public sealed class AudioCodesManifestTests
{
    private static ManifestParseResult Parse(string body) => ManifestParser.Parse($$"""
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: sbc}
        spec:
          audiocodes: {{body}}
        """, "m.yaml");

    [Fact]
    public void An_audiocodes_target_is_read_with_its_defaults()
    {
        var result = Parse("{url: \"https://sbc1.example.test/\", tlsContext: 2, keyOnDevice: true, credentialsRef: {env: SBC_CREDENTIALS}}");

        Assert.Empty(result.Errors);
        var spec = result.Resources[0].AsTarget();
        Assert.Equal(TargetKind.AudioCodes, spec.Kind);
        var a = spec.AudioCodes!;
        Assert.Equal(("https://sbc1.example.test", 2, true, "SBC_CREDENTIALS"), (a.Url, a.TlsContext, a.KeyOnDevice, a.CredentialsRef.Env));
        Assert.Equal((AudioCodesTargetSpec.DefaultTimeout, AudioCodesTargetSpec.DefaultConflictAttempts), (a.Timeout, a.ConflictAttempts));
    }

    [Theory]
    [InlineData("{url: \"http://sbc1.example.test\", tlsContext: 0, credentialsRef: {env: C}}", "audiocodes-url", "spec.audiocodes.url", "must be https://")]
    [InlineData("{url: \"https://admin:pw@sbc1.example.test\", tlsContext: 0, credentialsRef: {env: C}}", "audiocodes-url", "spec.audiocodes.url", "must not carry credentials")]
    [InlineData("{url: \"https://sbc1.example.test/api/v1\", tlsContext: 0, credentialsRef: {env: C}}", "audiocodes-url", "spec.audiocodes.url", "base URL")]
    [InlineData("{url: \"https://sbc1.example.test\", credentialsRef: {env: C}}", "required", "spec.audiocodes.tlsContext", "tlsContext")]
    [InlineData("{url: \"https://sbc1.example.test\", tlsContext: -1, credentialsRef: {env: C}}", "tls-context", "spec.audiocodes.tlsContext", "from 0 to")]
    [InlineData("{url: \"https://sbc1.example.test\", tlsContext: 0}", "required", "spec.audiocodes.credentialsRef", "credentialsRef")]
    [InlineData("{url: \"https://sbc1.example.test\", tlsContext: 0, credentialsRef: \"admin:pw\"}", "secret-by-reference", "spec.audiocodes.credentialsRef", "never written inline")]
    [InlineData("{url: \"https://sbc1.example.test\", tlsContext: 0, credentialsRef: {env: C}, password: pw}", "secret-by-reference", "spec.audiocodes.password", "never written inline")]
    [InlineData("{url: \"https://sbc1.example.test\", tlsContext: 0, credentialsRef: {env: C}, conflictAttempts: 0}", "conflict-attempts", "spec.audiocodes.conflictAttempts", "from 1 to 20")]
    public void Bad_audiocodes_fields_are_named_with_their_rule(string body, string rule, string field, string message)
    {
        var errors = Parse(body).Errors;

        Assert.Contains(errors, e => e.Rule == rule && e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Message.Contains("pw", StringComparison.Ordinal) && e.Rule == "secret-by-reference");
    }

    [Fact]
    public void Plain_http_is_allowed_to_a_loopback_device_only()
    {
        Assert.Empty(Parse("{url: \"http://127.0.0.1:8080\", tlsContext: 0, credentialsRef: {file: creds}}").Errors);
    }
}
