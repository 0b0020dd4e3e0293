using System.Text;
using Rotor.Tests.Support;

namespace Rotor.Tests.Resources;

/// <summary>
/// Valid manifests of every kind, and the ways the fuzz tests break them: bit flips, cuts,
/// control characters, escapes, deep nesting, aliases, huge numbers and stray YAML syntax.
/// </summary>
public static class ManifestMutations
{
    public const string Acme = """
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: public}
        spec:
          acme:
            server: https://127.0.0.1:14000/dir
            email: ops@example.test
            caBundle: pebble-ca.pem
            maxConcurrentOrders: 50
            privateKey: {algorithm: ECDSA, size: 384}
            externalAccountBinding: {keyID: kid-1, keySecretRef: {env: EAB_KEY}, keyAlgorithm: HS512}
            solvers:
              - selector: {dnsZones: [example.test]}
                dns01:
                  rfc2136: {nameserver: 127.0.0.1:15353, tsigKeyName: rotor, tsigSecretSecretRef: {file: tsig.secret}}
                  propagationTimeout: 30s
                  checkNameservers: [127.0.0.1:15353]
                  authoritativePort: 53
              - selector: {dnsNames: [sip.other.test]}
                dns01: {exec: {command: ./dns-hook.sh, timeout: 1m}}
              - dns01: {webhook: {url: https://hook.example.test/, authSecretRef: {env: HOOK}}}
                selector: {dnsNames: [x.example.test]}
              - http01: {listen: 127.0.0.1:5002}
        """;

    public const string Cmp = """
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: pki}
        spec:
          cmp:
            servers: [http://ca1.example.test/pkix/, https://ca2.example.test/pkix/]
            sharedSecret: {reference: "3078", secretRef: {env: CMP_IAK}}
            subject: {organization: Example, organizationalUnit: Voice, country: DE, province: Berlin, locality: Berlin}
            recipient: CN=Issuing CA, O=Example
            tlsClientCertificate: {certificate: client.crt, privateKey: client.key}
            kurWindow: {start: "22:30", end: "01:00", timeZone: Europe/Berlin}
            polling: {maxPolls: 5, messageTimeout: 20s, totalTimeout: 30m}
            implicitConfirm: true
            batchSize: 50
        """;

    public const string Kamailio = """
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: kam}
        spec:
          kamailio:
            ctlSocket: /run/kamailio/kamailio_ctl
            certificatePath: /etc/kamailio/tls/cert.pem
            privateKeyPath: /etc/kamailio/tls/key.pem
            caPath: /etc/kamailio/tls/ca.pem
            tlsEndpoint: 127.0.0.1:5061
            minReloadInterval: 5s
            reloadAttempts: 4
            reloadTimeout: 15s
        ---
        apiVersion: rotor/v1
        kind: Endpoint
        metadata: {name: edge-tls}
        spec: {host: sip.example.test, port: 5061, sni: sip.example.test, sip: true}
        """;

    public const string FullCertificate = """
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: out}
        spec:
          file:
            path: out
            mode: "0640"
            keyMode: "0600"
            pkcs12: {file: store.p12, passwordSecretRef: {env: P12_PASSWORD}}
            reload: {signal: {name: HUP, pidFile: /run/kamailio.pid}, timeout: 30s}
        ---
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: local}
        spec: {ca: {intermediate: true, backdate: 2h}}
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: sip-edge, labels: {site: a}}
        spec:
          commonName: sip.example.test
          dnsNames: [sip.example.test, "*.edge.example.test"]
          ipAddresses: [192.0.2.10, "2001:db8::1"]
          uris: ["sip:edge.example.test"]
          duration: 2160h
          renewBefore: 720h
          privateKey: {algorithm: RSA, size: 3072, rotationPolicy: Never}
          usages: [server auth, client auth]
          issuerRef: {name: local, kind: Issuer}
          deploy:
            - {target: out, path: out/sip-edge, endpoints: [edge-tls], group: ha-a}
            - {target: kam, role: trust}
          rotation:
            overlap: 72h
            waveSize: 2
            stagger: 2m
            revokeAfterDrain: true
            healthGate: {window: 5m, successRate: 99.5, rollbackBelow: 98, probesPerSecond: 2}
        """;

    /// <summary>Every valid manifest the mutations start from.</summary>
    public static readonly IReadOnlyList<string> Seeds =
    [
        Acme, Cmp, Kamailio, FullCertificate,
        Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()),
        .. Directory.EnumerateFiles(Path.Combine(Rotor.Testing.Checkout.Root(), "examples"), "*.yaml", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).Select(File.ReadAllText),
    ];

    /// <summary>Text that breaks something when dropped into a manifest.</summary>
    public static readonly IReadOnlyList<string> Tokens =
    [
        "\\0", "\\x07", "\\e", "\\UFFFFFFFF", "\\U00110000", "\\uD800", "\\uDC00", "\\U0010FFFF", "\\", "\"", "'",
        "NaN", "Infinity", "-Infinity", "1e999", "-1e999", "99999999999999999999", "-2147483649", "2147483648", "-1", "0", "0.5",
        "3000000d", "36526d", "99999999999999999999h", "0s", "1.5.5h", "25h", "50d", ".inf", ".nan", "0x10", "0o777", "1_000",
        "~", "null", "\"\"", "''", "[", "]", "{", "}", ",", ": ", "- ", "? ", "&a ", "*a", "*b", "&b [*a, *a, *a] ", "<<: *a",
        "!!str ", "!!binary ", "!<tag:x> ", "!!map ", "%YAML 1.2\n", "%TAG ! tag:x,2000:\n", "---\n", "...\n", "--- |\n",
        "|\n", ">-\n", "|+\n", "#", "\t", "\r", "\r\n", "\n", "\n  ", "\uFEFF", "\u0085", "\u2028", "\uFFFE", "\uFFFF", "é", "😀",
        new string(' ', 64), new string('a', 300), "a.example.test", "127.0.0.1:0", "https://", "sip:", "/dev/null", "../../etc/passwd",
    ];

    /// <summary>Values, good and odd, for any field.</summary>
    public static readonly IReadOnlyList<string> Values =
    [
        "https://ca.example.test/dir", "http://ca.example.test/", "a.example.test", "\"*.example.test\"", "192.0.2.1", "127.0.0.1:53",
        "2160h", "720h", "30s", "1m", "0s", "25h", "3000000d", "36526d", "1.5h", "0", "1", "2", "50", "53", "99", "99.5", "-1", "99999999999",
        "NaN", "1e999", ".inf", "true", "no", "ECDSA", "RSA", "256", "2048", "Always", "HUP", "/run/x.pid", "out", "out/c", "\"0640\"",
        "\"0777\"", "\"22:30\"", "\"02:00\"", "Europe/Berlin", "\"\"", "\"../../x\"", "leaf", "trust", "server auth", "DE", "CN=CA, O=Ex",
        "sharedSecret", "signature", "\"a\\0b\"", "\"\\x1b[2J\"", "\"\\UFFFFFFFF\"", "\"\\U0010FFFF\"", "\"a\\tb\"", "~", "&a x", "*a",
        "{env: X}", "{file: f}", "{name: local}", "[]", "{}", "[[[[[[]]]]]]",
    ];

    /// <summary>One change to a manifest's bytes; what each field means depends on <see cref="Kind"/>.</summary>
    public sealed record Mutation(int Kind, double Position, int Payload, int Count)
    {
        public const int Kinds = 10;
        public const int SwapValue = 9;
    }

    public static byte[] Apply(byte[] input, IEnumerable<Mutation> mutations)
    {
        var bytes = new List<byte>(input);
        foreach (var m in mutations)
        {
            var at = (int)(m.Position * bytes.Count);
            switch (m.Kind)
            {
                case 0 when bytes.Count > 0: // flip one bit
                    at = Math.Min(at, bytes.Count - 1);
                    bytes[at] ^= (byte)(1 << (m.Payload % 8));
                    break;
                case 1 when bytes.Count > 0: // any byte
                    bytes[Math.Min(at, bytes.Count - 1)] = (byte)m.Payload;
                    break;
                case 2: // cut a run
                    bytes.RemoveRange(at, Math.Min(m.Count, bytes.Count - at));
                    break;
                case 3: // truncate
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 4: // a raw control character
                    bytes.Insert(at, (byte)(m.Payload % 33 == 32 ? 0x7F : m.Payload % 32));
                    break;
                case 5: // a token
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[m.Payload % Tokens.Count]));
                    break;
                case 6: // deep nesting, closed or not
                    var open = m.Payload % 2 == 0 ? "[" : "{a: ";
                    var close = m.Payload % 2 == 0 ? "]" : "}";
                    var depth = m.Count;
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(open, depth)) + string.Concat(Enumerable.Repeat(close, m.Payload % 3 == 0 ? depth / 2 : depth))));
                    break;
                case 7: // a copy of a run elsewhere (repeated keys, lines, documents)
                    var length = Math.Min(m.Count, bytes.Count - at);
                    var copy = bytes.GetRange(at, length);
                    bytes.InsertRange((int)((long)m.Payload * bytes.Count / 1_000_000), copy);
                    break;
                case Mutation.SwapValue: // the value after the next ": " becomes one of Values
                    var colon = IndexOfColonSpace(bytes, at);
                    if (colon < 0) break;
                    var end = colon + 2;
                    while (end < bytes.Count && bytes[end] is not ((byte)',' or (byte)'}' or (byte)']' or (byte)'\n')) end++;
                    bytes.RemoveRange(colon + 2, end - colon - 2);
                    bytes.InsertRange(colon + 2, Encoding.UTF8.GetBytes(Values[m.Payload % Values.Count]));
                    break;
                case 8: // an anchored value and its aliases
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(
                        "&x [" + string.Join(",", Enumerable.Repeat("*a", m.Count % 12)) + "] " + string.Concat(Enumerable.Repeat("*x ", m.Payload % 4))));
                    break;
            }
        }
        return [.. bytes];
    }

    private static int IndexOfColonSpace(List<byte> bytes, int from)
    {
        for (var i = from; i + 1 < bytes.Count; i++)
        {
            if (bytes[i] == ':' && bytes[i + 1] == ' ') return i;
        }
        return -1;
    }
}
