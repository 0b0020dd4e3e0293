using Rotor.Core.Resources;

namespace Rotor.Tests.Resources;

public sealed class OracleSbcManifestTests
{
    private static ManifestParseResult Parse(string body) => ManifestParser.Parse($$"""
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: sbc}
        spec:
          oracleSbc: {{body}}
        """, "m.yaml");

    [Fact]
    public void An_oracleSbc_target_is_read_with_its_defaults()
    {
        var result = Parse("{url: \"https://sbc1.example.test/\", credentialsRef: {env: SBC_CREDENTIALS}, certificateRecord: sip-a}");

        Assert.Empty(result.Errors);
        var spec = result.Resources[0].AsTarget();
        Assert.Equal(TargetKind.OracleSbc, spec.Kind);
        var o = spec.OracleSbc!;
        Assert.Equal(("https://sbc1.example.test", "SBC_CREDENTIALS", "sip-a"), (o.Url, o.CredentialsRef.Env, o.CertificateRecord));
        Assert.Equal(("9.3", OracleSbcTargetSpec.DefaultTimeout, OracleSbcTargetSpec.DefaultLockAttempts, false), (o.Version, o.Timeout, o.LockAttempts, o.TwoRecords));
        Assert.Null(o.CaBundle);
    }

    [Fact]
    public void Two_records_a_profile_a_release_and_a_ca_bundle_are_read()
    {
        var result = Parse("{url: \"https://10.0.0.2\", credentialsRef: {file: creds}, certificateRecord: sip-a, spareCertificateRecord: sip-b, tlsProfile: sip-tls, version: \"8.4\", caBundle: sbc-ca.pem, timeout: 45s, lockAttempts: 3}");

        Assert.Empty(result.Errors);
        var o = result.Resources[0].AsTarget().OracleSbc!;
        Assert.Equal(("sip-b", "sip-tls", "8.4", "sbc-ca.pem", TimeSpan.FromSeconds(45), 3, true),
            (o.SpareCertificateRecord, o.TlsProfile, o.Version, o.CaBundle, o.Timeout, o.LockAttempts, o.TwoRecords));
    }

    [Theory]
    [InlineData("{url: \"http://sbc1.example.test\", credentialsRef: {env: C}, certificateRecord: r}", "oracle-url", "spec.oracleSbc.url", "HTTPS only")]
    [InlineData("{url: \"http://127.0.0.1:8443\", credentialsRef: {env: C}, certificateRecord: r}", "oracle-url", "spec.oracleSbc.url", "must be https://")]
    [InlineData("{url: \"https://admin:pw@sbc1.example.test\", credentialsRef: {env: C}, certificateRecord: r}", "oracle-url", "spec.oracleSbc.url", "must not carry credentials")]
    [InlineData("{url: \"https://sbc1.example.test/rest/v1.2\", credentialsRef: {env: C}, certificateRecord: r}", "oracle-url", "spec.oracleSbc.url", "base URL")]
    [InlineData("{url: \"https://sbc1.example.test\", certificateRecord: r}", "required", "spec.oracleSbc.credentialsRef", "credentialsRef")]
    [InlineData("{url: \"https://sbc1.example.test\", credentialsRef: {env: C}}", "required", "spec.oracleSbc.certificateRecord", "certificateRecord")]
    [InlineData("{url: \"https://sbc1.example.test\", credentialsRef: {env: C}, certificateRecord: \"a b\"}", "oracle-name", "spec.oracleSbc.certificateRecord", "letters, digits")]
    [InlineData("{url: \"https://sbc1.example.test\", credentialsRef: {env: C}, certificateRecord: r, password: pw}", "secret-by-reference", "spec.oracleSbc.password", "never written inline")]
    [InlineData("{url: \"https://sbc1.example.test\", credentialsRef: {env: C}, certificateRecord: r, version: \"9.1\"}", "oracle-version", "spec.oracleSbc.version", "9.3, 8.4")]
    [InlineData("{url: \"https://sbc1.example.test\", credentialsRef: {env: C}, certificateRecord: r, spareCertificateRecord: s}", "required", "spec.oracleSbc.tlsProfile", "needs tlsProfile")]
    [InlineData("{url: \"https://sbc1.example.test\", credentialsRef: {env: C}, certificateRecord: r, tlsProfile: p}", "required", "spec.oracleSbc.spareCertificateRecord", "two records")]
    [InlineData("{url: \"https://sbc1.example.test\", credentialsRef: {env: C}, certificateRecord: r, spareCertificateRecord: r, tlsProfile: p}", "distinct-records", "spec.oracleSbc.spareCertificateRecord", "another certificate-record")]
    [InlineData("{url: \"https://sbc1.example.test\", credentialsRef: {env: C}, certificateRecord: r, lockAttempts: 0}", "lock-attempts", "spec.oracleSbc.lockAttempts", "from 1 to 20")]
    public void Bad_oracleSbc_fields_are_named_with_their_rule(string body, string rule, string field, string message)
    {
        var errors = Parse(body).Errors;

        Assert.Contains(errors, e => e.Rule == rule && e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Message.Contains("pw", StringComparison.Ordinal));
    }
}
