using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Rotor.Acme.Challenges.Dns01;
using Xunit.Abstractions;

namespace Rotor.IntegrationTests.Acme.Dns01;

/// <summary>
/// A BIND 9 of its own on 127.0.0.1, started with the project's <c>tests/env/acme/start-bind.sh</c>
/// (state directory and port of its own, so it never meets another lab), authoritative for
/// <c>example.test</c> with a TSIG key that may update TXT records. Stopped at the end.
/// When BIND is not installed the tests fail under CI=true and end early elsewhere.
/// </summary>
public class BindServer : IAsyncLifetime
{
    private string? _stateDirectory;

    protected virtual string TsigAlgorithm => "hmac-sha256";

    public string? Problem { get; private set; }
    public string Host { get; private set; } = "";
    public int Port { get; private set; }
    public string Zone { get; private set; } = "";
    public string KeyName { get; private set; } = "";
    public string Algorithm { get; private set; } = "";
    public string Secret { get; private set; } = "";

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Server => $"{Host}:{Port}";

    public async Task InitializeAsync()
    {
        var script = Path.Combine(global::Rotor.IntegrationTests.Support.EnvScript.Folder("acme"), "start-bind.sh");
        if (!File.Exists(script))
        {
            Problem = $"{script} is missing";
            return;
        }
        var missing = new[] { "named", "tsig-keygen", "dig" }.Where(tool => !OnPath(tool)).ToList();
        if (missing.Count > 0)
        {
            Problem = $"BIND 9 is not installed ({string.Join(", ", missing)} not found); tests/env/install-deps.sh installs bind9 and bind9-dnsutils";
            return;
        }
        _stateDirectory = Path.Combine(Path.GetTempPath(), "rotor-it-dns01-" + Guid.NewGuid().ToString("N")[..10]);
        var port = FreePort();
        var (code, output) = await RunAsync("--dir", Path.Combine(_stateDirectory, "bind"), "--port", port.ToString(CultureInfo.InvariantCulture),
            "--algorithm", TsigAlgorithm);
        // Installed but failing to start is a real failure, not a missing tool.
        if (code != 0) throw new InvalidOperationException($"start-bind.sh failed (exit {code}):\n{output}");

        var env = ReadEnv(Path.Combine(_stateDirectory, "bind", "bind.env"));
        Host = env["ACME_LAB_DNS_HOST"];
        Port = int.Parse(env["ACME_LAB_DNS_PORT"], CultureInfo.InvariantCulture);
        Zone = env["ACME_LAB_DNS_ZONE"];
        KeyName = env["ACME_LAB_TSIG_KEY_NAME"];
        Algorithm = env["ACME_LAB_TSIG_ALGORITHM"];
        Secret = env["ACME_LAB_TSIG_SECRET"];
    }

    public async Task DisposeAsync()
    {
        if (_stateDirectory is null) return;
        await RunAsync("--dir", Path.Combine(_stateDirectory, "bind"), "--stop");
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// True when BIND runs. Otherwise: under CI=true the test fails with the reason; on a
    /// developer's machine it says why and the test returns early.
    /// </summary>
    public bool Require(ITestOutputHelper output)
    {
        if (Problem is null) return true;
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("BIND lab unavailable under CI: " + Problem);
        }
        output.WriteLine("BIND lab unavailable, test not run: " + Problem);
        Console.Error.WriteLine("BIND lab unavailable, DNS-01 test not run: " + Problem);
        return false;
    }

    public Rfc2136Options Options(string? secret = null, string? keyName = null) => new()
    {
        Server = Server,
        KeyName = keyName ?? KeyName,
        Algorithm = Algorithm,
        Secret = secret ?? Secret,
        Timeout = TimeSpan.FromSeconds(3),
    };

    /// <summary>The TXT values BIND serves for <paramref name="name"/>, asked directly without recursion.</summary>
    public async Task<IReadOnlyList<string>> TxtAsync(string name, CancellationToken cancellationToken)
    {
        var answer = await new DnsClientLookup(TimeSpan.FromSeconds(2)).QueryAsync([new IPEndPoint(IPAddress.Parse(Host), Port)], name, DnsType.Txt, false, cancellationToken);
        return answer.Answers.Where(r => r.Type == DnsType.Txt).Select(r => r.Data).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>A label no other test uses, so tests can share one server.</summary>
    public static string UniqueLabel() => "t" + Guid.NewGuid().ToString("N")[..10];

    // The script records its instances under ROTOR_ACME_LAB_DIR: keep that in our own directory.
    private Task<(int Code, string Output)> RunAsync(params string[] args) =>
        global::Rotor.IntegrationTests.Support.EnvScript.RunAsync(global::Rotor.IntegrationTests.Support.EnvScript.Folder("acme"), "start-bind.sh", args,
            new Dictionary<string, string> { ["ROTOR_ACME_LAB_DIR"] = _stateDirectory ?? Path.GetTempPath() }, TimeSpan.FromSeconds(90), CancellationToken.None);

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/usr/local/sbin", "/sbin"])
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool)));

    /// <summary>A port that is free for both TCP and UDP on 127.0.0.1 right now.</summary>
    private static int FreePort()
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // UDP side taken: try another
            }
            finally
            {
                tcp.Stop();
            }
        }
        throw new InvalidOperationException("no free port on 127.0.0.1");
    }

    /// <summary>KEY=VALUE lines as start-bind.sh writes them (values shell-quoted only when needed).</summary>
    private static Dictionary<string, string> ReadEnv(string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || eq <= 0) continue;
            var value = line[(eq + 1)..];
            value = value.Length >= 2 && value[0] == '\'' && value[^1] == '\'' ? value[1..^1] : value.Replace("\\", "", StringComparison.Ordinal);
            result[line[..eq]] = value;
        }
        return result;
    }
}

/// <summary>The same server with an hmac-sha512 key.</summary>
public sealed class BindServerSha512 : BindServer
{
    protected override string TsigAlgorithm => "hmac-sha512";
}

/// <summary>One BIND shared by the DNS-01 test classes (each test uses names of its own).</summary>
[CollectionDefinition(Name)]
public sealed class BindCollection : ICollectionFixture<BindServer>
{
    public const string Name = "DNS-01 BIND";
}
