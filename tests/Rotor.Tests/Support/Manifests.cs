namespace Rotor.Tests.Support;

/// <summary>Manifest texts the tests apply.</summary>
public static class Manifests
{
    public const string Issuer = """
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: local}
        spec: {ca: {}}
        """;

    public static string Target(string reload = "echo reloaded >> reload.log") => $$"""
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: out}
        spec:
          file:
            reload:
              command: '{{reload}}'
        """;

    public static string Certificate(string name = "sip-edge", string dnsNames = "[sip.example.test]", string extra = "", string key = "{algorithm: ECDSA, size: 256, rotationPolicy: Always}", string duration = "2160h") => $"""
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {"{"}name: {name}{"}"}
        spec:
          commonName: sip.example.test
          dnsNames: {dnsNames}
          duration: {duration}
          privateKey: {key}
          issuerRef: {"{"}name: local{"}"}
          deploy:
            - {"{"}target: out, path: out/{name}{"}"}
        {extra}
        """;

    public static string All(params string[] documents) => string.Join("\n---\n", documents) + "\n";
}
