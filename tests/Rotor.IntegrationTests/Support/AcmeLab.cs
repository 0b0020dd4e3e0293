using System.Net;
using DnsClient;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// Pebble (and BIND, and an HTTP-01 webroot server) from tests/env/acme on 127.0.0.1, on ports
/// of their own so they never meet another lab on the same machine. Every start of Pebble is a
/// new CA: read <see cref="IssuerRoot"/> after each.
/// </summary>
public sealed class AcmeLab : IDisposable
{
    /// <summary>ROTOR_ACME_LAB_PORT_OFFSET moves every port, so two test runs on one machine do not meet.</summary>
    private static readonly int Offset = int.TryParse(Environment.GetEnvironmentVariable("ROTOR_ACME_LAB_PORT_OFFSET"), out var o) ? o : 0;

    public static readonly int AcmePort = 14100 + Offset;
    public static readonly int ManagementPort = 15100 + Offset;
    public static readonly int DnsPort = 15553 + Offset;
    public static readonly int HttpPort = 5102 + Offset;


    public AcmeLab()
    {
        // One folder per port set, not per process: a run that was killed left its servers
        // recorded there, and the start scripts stop what the same folder started.
        StateDirectory = Path.Combine(Path.GetTempPath(), "rotor-it-acme-" + AcmePort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (ok, output) = Script("start-bind.sh", "--dir", Path.Combine(StateDirectory, "bind"), "--port", DnsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Available = ok;
        Problem = ok ? null : "BIND could not start (tests/env/install-deps.sh installs it): " + output;
        if (ok) Bind = ReadEnv(Path.Combine(StateDirectory, "bind", "bind.env"));
    }

    public string StateDirectory { get; }
    public bool Available { get; private set; }
    public string? Problem { get; private set; }
    public IReadOnlyDictionary<string, string> Bind { get; private set; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Pebble { get; private set; } = new Dictionary<string, string>();

    public Uri Directory => new(Pebble["ACME_LAB_DIRECTORY"]);
    public string TlsCa => Pebble["ACME_LAB_TLS_CA"];
    public string IssuerRoot => Pebble["ACME_LAB_ISSUER_ROOT"];
    public string IssuerIntermediate => Pebble["ACME_LAB_ISSUER_INTERMEDIATE"];

    /// <summary>
    /// (Re)starts Pebble. <paramref name="extra"/> are start-pebble.sh options; Pebble's default
    /// 5 % badNonce stays on unless a test says otherwise.
    /// </summary>
    public void StartPebble(string mode, IReadOnlyDictionary<string, string>? environment = null, params string[] extra)
    {
        if (!Available) return;
        string[] args =
        [
            "--dir", Path.Combine(StateDirectory, "pebble"), "--mode", mode,
            "--acme-port", AcmePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--mgmt-port", ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--dns-server", $"127.0.0.1:{DnsPort}", "--http-port", HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. extra,
        ];
        var (ok, output) = Script("start-pebble.sh", environment, args);
        if (!ok)
        {
            Available = false;
            Problem = "Pebble could not start (tests/env/install-deps.sh installs it): " + output;
            return;
        }
        Pebble = ReadEnv(Path.Combine(StateDirectory, "pebble", "pebble.env"));
    }

    /// <summary>The TXT strings BIND serves for <paramref name="name"/>, asked directly (no cache, no recursion).</summary>
    public static async Task<IReadOnlyList<string>> TxtRecordsAsync(string name)
    {
        var client = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Loopback, DnsPort)) { UseCache = false, Recursion = false });
        var answer = await client.QueryAsync(name, QueryType.TXT);
        return answer.Answers.TxtRecords().SelectMany(r => r.Text).ToList();
    }

    /// <summary>Whether the test may use the lab (see <see cref="EnvScript.Require"/>).</summary>
    public bool Require() => EnvScript.Require(Available, Problem, "ACME lab");

    private (bool Ok, string Output) Script(string name, params string[] args) => Script(name, null, args);

    private (bool Ok, string Output) Script(string name, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["ROTOR_ACME_LAB_DIR"] = StateDirectory };
        return EnvScript.Run(EnvScript.Folder("acme"), name, args, env, TimeSpan.FromMinutes(2));
    }

    private static Dictionary<string, string> ReadEnv(string path) =>
        File.ReadAllLines(path)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#') && l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.StartsWith("export ", StringComparison.Ordinal) ? l[7..] : l)
            .Select(l => (Key: l[..l.IndexOf('=', StringComparison.Ordinal)], Value: l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('\'', '"')))
            .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);

    public void Dispose()
    {
        Script("stop-all.sh");
        try
        {
            System.IO.Directory.Delete(StateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AcmeLabCollection : ICollectionFixture<AcmeLab>
{
    public const string Name = "ACME lab";
}
