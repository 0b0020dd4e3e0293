namespace Rotor.IntegrationTests.Support;

/// <summary>
/// The smallest site: the local CA, a file target writing to <c>out/</c>, and one certificate
/// <c>sip-edge</c> deployed there, whose spec fields (names, usages) the test gives.
/// </summary>
internal static class LocalCaManifest
{
    /// <param name="certificateFields">The certificate's spec fields besides issuerRef and deploy, one per line, unindented.</param>
    public static string Text(string certificateFields)
    {
        var fields = string.Concat(certificateFields.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "  " + l.Trim() + "\n"));
        return """
            apiVersion: rotor/v1
            kind: Issuer
            metadata: {name: local}
            spec: {ca: {}}
            ---
            apiVersion: rotor/v1
            kind: Target
            metadata: {name: out}
            spec: {file: {path: out}}
            ---
            apiVersion: rotor/v1
            kind: Certificate
            metadata: {name: sip-edge}
            spec:

            """ + fields + """
              issuerRef: {name: local}
              deploy: [{target: out}]

            """;
    }
}
