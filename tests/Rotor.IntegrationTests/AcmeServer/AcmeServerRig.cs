using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.AcmeServer;

/// <summary>
/// A real <c>rotor run</c> serving one AcmeServer on 127.0.0.1 (local CA behind it; names under
/// <c>.sip.example.test</c> allowed and mapped to 127.0.0.1 in validation.hosts), and the ACME
/// clients run against it as users run them (certbot, lego), each in its own folders, trusting
/// Rotor's root for the server's HTTPS.
/// </summary>
internal sealed class AcmeServerRig : IAsyncDisposable
{
    public const string Suffix = ".sip.example.test";
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(120);

    private RotorProcess? _rotor;

    private AcmeServerRig(string folder, int acmePort, int http01Port)
    {
        Folder = folder;
        AcmePort = acmePort;
        Http01Port = http01Port;
    }

    public string Folder { get; }
    public string Data => Path.Combine(Folder, "data");
    public int AcmePort { get; }
    public int Http01Port { get; }
    public string Directory => $"https://127.0.0.1:{AcmePort}/directory";
    public string RootPem => Path.Combine(Data, "ca", "root.pem");
    public string RotorLog => _rotor is null ? "" : _rotor.Output + _rotor.Errors;

    /// <summary>Whether certbot and lego are installed (tests/env/install-deps.sh installs both).</summary>
    public static bool ClientsAvailable(out string? problem)
    {
        var missing = new[] { "certbot", "lego" }.Where(c => !File.Exists($"/usr/bin/{c}")).ToList();
        problem = missing.Count == 0 ? null : $"{string.Join(" and ", missing)} not installed (tests/env/install-deps.sh installs them)";
        return missing.Count == 0;
    }

    /// <summary>
    /// Applies the manifest into a new data folder and starts <c>rotor run</c>; returns once the directory answers over HTTPS.
    /// <paramref name="dnsResolver"/> (host:port) is where dns-01 asks for TXT records.
    /// </summary>
    public static async Task<AcmeServerRig> StartAsync(string? extraPolicy = null, string? dnsResolver = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), "rotor-acmesrv-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(folder);
        var rig = new AcmeServerRig(folder, FreePort(), FreePort());
        var hosts = "{" + string.Join(", ", new[] { "sbc1", "sbc2", "sbc3", "sbc4", "sbc5" }.Select(h => $"{h}{Suffix}: 127.0.0.1")) + "}";
        await File.WriteAllTextAsync(Path.Combine(folder, "rotor.yaml"), $$"""
            apiVersion: rotor/v1
            kind: Issuer
            metadata: {name: local}
            spec: {ca: { } }
            ---
            apiVersion: rotor/v1
            kind: AcmeServer
            metadata: {name: devices}
            spec:
              listen: 127.0.0.1:{{rig.AcmePort}}
              issuerRef: {name: local}
              policy: {dnsNames: [{{Suffix}}], maxDuration: 30d{{extraPolicy}} }
              validation: {hosts: {{hosts}}, http01Port: {{rig.Http01Port}}, timeout: 10s{{(dnsResolver is null ? "" : $", dnsResolvers: [\"{dnsResolver}\"]")}} }
            """);
        var apply = await rig.RotorAsync("apply", "-f", Path.Combine(folder, "rotor.yaml"));
        Assert.True(apply.Code == 0, $"rotor apply failed: {apply.Out}{apply.Err}");
        await rig.StartRotorAsync();
        return rig;
    }

    public async Task StartRotorAsync()
    {
        _rotor = RotorProcess.Start(Folder, null, "run", "--data", Data, "--listen", "127.0.0.1:0");
        var deadline = Environment.TickCount64 + 60_000;
        using var http = TrustingClient();
        while (true)
        {
            Assert.False(_rotor.HasExited, $"rotor run exited: {RotorLog}");
            try
            {
                using var answer = await http.GetAsync(Directory);
                if (answer.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            if (Environment.TickCount64 > deadline) throw new TimeoutException($"the ACME server did not answer at {Directory}: {RotorLog}");
            await Task.Delay(200);
        }
    }

    public void StopRotor()
    {
        _rotor?.Dispose();
        _rotor = null;
    }

    /// <summary>An HTTP client that trusts exactly Rotor's root for the ACME server's HTTPS.</summary>
    public HttpClient TrustingClient()
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is null || !File.Exists(RootPem)) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(RootPem));
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
    }

    public Task<(int Code, string Out, string Err)> RotorAsync(params string[] args) =>
        RotorProcess.RunAsync(Folder, TimeSpan.FromSeconds(60), [.. args, "--data", Data]);

    /// <summary>A new EAB key through the CLI: (keyID, hmacKey).</summary>
    public async Task<(string KeyId, string HmacKey)> CreateEabKeyAsync(string name)
    {
        var (code, output, errors) = await RotorAsync("acme-server", "eab", "create", name, "-o", "json");
        Assert.True(code == 0, $"eab create failed: {output}{errors}");
        using var json = JsonDocument.Parse(output);
        return (json.RootElement.GetProperty("keyID").GetString()!, json.RootElement.GetProperty("hmacKey").GetString()!);
    }

    /// <summary>Runs certbot with its own config, work and log folders under the rig; REQUESTS_CA_BUNDLE trusts Rotor's root.</summary>
    public Task<(int Code, string Output)> CertbotAsync(string home, params string[] args) =>
        RunClientAsync("certbot",
            [.. args, "--config-dir", Path.Combine(Folder, home, "config"), "--work-dir", Path.Combine(Folder, home, "work"),
             "--logs-dir", Path.Combine(Folder, home, "logs"), "--non-interactive"],
            new Dictionary<string, string> { ["REQUESTS_CA_BUNDLE"] = RootPem });

    /// <summary>Runs lego with its own --path under the rig; LEGO_CA_CERTIFICATES trusts Rotor's root.</summary>
    public Task<(int Code, string Output)> LegoAsync(string home, params string[] args) => LegoAsync(home, null, args);

    /// <summary>As <see cref="LegoAsync(string, string[])"/>, with <paramref name="environment"/> added (a DNS provider's settings).</summary>
    public Task<(int Code, string Output)> LegoAsync(string home, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["LEGO_CA_CERTIFICATES"] = RootPem };
        return RunClientAsync("lego", ["--path", Path.Combine(Folder, home), .. args], env);
    }

    private static async Task<(int Code, string Output)> RunClientAsync(string program, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var output = new StringBuilder();
        var outTask = process.StandardOutput.ReadToEndAsync();
        var errTask = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(ClientTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {ClientTimeout}");
        }
        output.Append(await outTask).Append(await errTask);
        return (process.ExitCode, output.ToString());
    }

    /// <summary>The certificates the ACME server recorded, as `rotor acme-server certificates -o json` lists them.</summary>
    public async Task<JsonElement[]> InventoryAsync()
    {
        var (code, output, errors) = await RotorAsync("acme-server", "certificates", "-o", "json");
        Assert.True(code == 0, $"acme-server certificates failed: {output}{errors}");
        using var json = JsonDocument.Parse(output);
        return json.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        StopRotor();
        try
        {
            System.IO.Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}
