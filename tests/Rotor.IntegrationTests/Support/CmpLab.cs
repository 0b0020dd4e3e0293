using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rotor.Cmp;
using Rotor.Cmp.Protection;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// OpenSSL's CMP mock server (tests/env/cmp/start-mock-ca.sh) on 127.0.0.1, one instance per
/// scenario on ports of its own (base 18400, moved by ROTOR_CMP_LAB_PORT_OFFSET). Instances
/// start on first use and stop when the collection ends. The mock serves one connection at a
/// time, so every test that uses it sits in <see cref="CmpLabCollection"/>.
/// </summary>
public sealed class CmpLab : IDisposable
{
    private static readonly int Offset = int.TryParse(Environment.GetEnvironmentVariable("ROTOR_CMP_LAB_PORT_OFFSET"), out var o) ? o : 0;

    public static readonly int BasePort = 18400 + Offset;

    /// <summary>A port nothing listens on: a dead server of a group.</summary>
    public static readonly int DeadPort = BasePort + 9;

    // Instance name -> (port slot, scenario, extra mock options).
    private static readonly Dictionary<string, (int Slot, string Scenario, string[] Extra)> Instances = new()
    {
        ["ok"] = (0, "ok", []),
        ["implicit"] = (1, "implicit", []),
        ["poll"] = (2, "poll", []),
        ["reject"] = (3, "reject", []),
        ["error"] = (4, "error", []),
        ["kur"] = (5, "kur", []),
        ["granted"] = (6, "granted", []),
        ["unprotected-error"] = (7, "error", ["-send_unprot_err"]),
        ["one-message"] = (8, "ok", ["-max_msgs", "1"]),
    };

    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _started = [];

    public CmpLab()
    {
        // One folder per port set: a killed run left its mocks recorded there, and the start
        // script stops what the same folder started.
        StateDirectory = Path.Combine(Path.GetTempPath(), "rotor-it-cmp-" + BasePort.ToString(CultureInfo.InvariantCulture));
        var (ok, output) = Script("--stop", "--dir", StateDirectory);
        if (ok) (ok, output) = Script(StartArguments("ok"));
        Available = ok;
        Problem = ok ? null : "the openssl CMP mock server could not start (needs OpenSSL >= 3.0 with 'openssl cmp'): " + output;
        if (ok) _started["ok"] = ReadEnv(Path.Combine(StateDirectory, $"mock-{BasePort}.env"));
    }

    public string StateDirectory { get; }
    public bool Available { get; }
    public string? Problem { get; }

    public string Secret => "iak-1234-5678";
    public string Reference => "3078";

    public string File(string name) => Path.Combine(StateDirectory, name);

    /// <summary>The URL of a running instance (started now if needed), e.g. "poll".</summary>
    public Uri Url(string instance) => new(Start(instance)["MOCK_CA_URL"]);

    public IReadOnlyDictionary<string, string> Start(string instance)
    {
        lock (_started)
        {
            if (_started.TryGetValue(instance, out var env)) return env;
            var (ok, output) = Script(StartArguments(instance));
            if (!ok) throw new InvalidOperationException($"mock '{instance}' did not start: {output}");
            env = ReadEnv(Path.Combine(StateDirectory, $"mock-{Port(instance)}.env"));
            _started[instance] = env;
            return env;
        }
    }

    /// <summary>Stops an instance so the next <see cref="Start"/> begins afresh (e.g. after -max_msgs ended it).</summary>
    public void Stop(string instance)
    {
        lock (_started)
        {
            Script("--stop", "--dir", StateDirectory, "--port", Port(instance).ToString(CultureInfo.InvariantCulture));
            _started.Remove(instance);
        }
    }

    /// <summary>The mock's log so far; tests read what it received after a mark.</summary>
    public string Log(string instance) =>
        System.IO.File.ReadAllText(Path.Combine(StateDirectory, $"mock-{Port(instance)}.log"));

    public static int Port(string instance) => BasePort + Instances[instance].Slot;

    public CmpSharedSecretProtection SharedSecret(string? secret = null) =>
        CmpProtection.SharedSecret(Reference, Encoding.UTF8.GetBytes(secret ?? Secret), iterations: 1000);

    public ECDsa Key(string name)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(System.IO.File.ReadAllText(File(name + ".key")));
        return key;
    }

    public X509Certificate2 CertificateWithKey(string name) => X509Certificate2.CreateFromPemFile(File(name + ".crt"), File(name + ".key"));

    public X509Certificate2 Certificate(string name) => X509CertificateLoader.LoadCertificateFromFile(File(name + ".crt"));

    public CmpCertificateRequest Request(ECDsa key, Func<X509Certificate2, string?>? accept = null) => new()
    {
        Subject = new X500DistinguishedName("CN=sbc.example.com"),
        Key = key,
        AcceptCertificate = accept,
    };

    /// <summary>Whether the test may use the mock (see <see cref="EnvScript.Require"/>).</summary>
    public bool Require() => EnvScript.Require(Available, Problem, "CMP mock");

    private string[] StartArguments(string instance)
    {
        var (_, scenario, extra) = Instances[instance];
        string[] args = ["--dir", StateDirectory, "--port", Port(instance).ToString(CultureInfo.InvariantCulture), "--scenario", scenario];
        return extra.Length == 0 ? args : [.. args, "--", .. extra];
    }

    private (bool Ok, string Output) Script(params string[] args) =>
        EnvScript.Run(EnvScript.Folder("cmp"), "start-mock-ca.sh", args, new Dictionary<string, string> { ["MOCK_CA_SECRET"] = Secret }, TimeSpan.FromMinutes(1));

    private static Dictionary<string, string> ReadEnv(string path) =>
        System.IO.File.ReadAllLines(path)
            .Where(l => l.Contains('=', StringComparison.Ordinal))
            .Select(l => (Key: l[..l.IndexOf('=', StringComparison.Ordinal)], Value: l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]))
            .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);

    public void Dispose()
    {
        Script("--stop", "--dir", StateDirectory);
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CmpLabCollection : ICollectionFixture<CmpLab>
{
    public const string Name = "CMP mock";
}
