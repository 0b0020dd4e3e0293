namespace Rotor.IntegrationTests.Support;

/// <summary>The manifests the ACME tests apply: an acme Issuer, a file Target, Certificates.</summary>
public static class AcmeManifests
{
    /// <summary>
    /// An acme issuer. <paramref name="solvers"/> is the YAML of the solvers list items, each
    /// starting with "- " (indented by the caller's text as given); <paramref name="extra"/> adds
    /// lines under <c>acme:</c> (e.g. "profile: shortlived").
    /// </summary>
    public static string Issuer(string name, Uri server, string caBundle, string trustedRoots, string solvers, string? extra = null) => $$"""
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: {{name}}}
        spec:
          acme:
            server: {{server}}
            email: ops@example.test
            caBundle: {{caBundle}}
            trustedRoots: {{trustedRoots}}
        {{(extra is null ? "" : "    " + extra)}}
            solvers:
        {{Indent(solvers, "      ")}}
        """;

    public static string HttpResponder => $"- http01: {{listen: 127.0.0.1:{AcmeLab.HttpPort}}}";

    public const string Target = """
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: out}
        spec: {file: {path: out}}
        """;

    /// <summary>A certificate deployed to the "out" target, into <paramref name="path"/> when given (else the target's folder).</summary>
    public static string Certificate(string name, string dnsNames, string issuer = "pebble", string? path = null) => $$"""
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: {{name}}}
        spec:
          dnsNames: {{dnsNames}}
          usages: [server auth]
          issuerRef: {name: {{issuer}}}
          deploy: [{target: out{{(path is null ? "" : ", path: " + path)}}}]
        """;

    public static string All(IEnumerable<string> documents) => string.Join("\n---\n", documents) + "\n";

    private static string Indent(string text, string prefix) =>
        string.Join("\n", text.Split('\n').Select(l => prefix + l));
}
