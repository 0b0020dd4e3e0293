using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.AcmeServer;

/// <summary>
/// Caddy as the ACME client of Rotor's ACME server: <c>acme_ca</c> is Rotor's directory,
/// <c>acme_ca_root</c> Rotor's root, <c>acme_eab</c> a key from <c>rotor acme-server eab create</c>,
/// and its HTTP port the server's <c>validation.http01Port</c>, so Caddy answers http-01 itself.
/// Everything Caddy keeps (storage, autosave) is in the rig's folder; it listens on 127.0.0.1 only
/// and is stopped when the test ends.
/// </summary>
public class AcmeServerCaddyTests
{
    private static bool CaddyReady()
    {
        var installed = File.Exists("/usr/bin/caddy");
        return EnvScript.Require(installed, "caddy not installed (tests/env/install-deps.sh installs it)", "caddy");
    }

    [Fact]
    public async Task Caddy_gets_a_certificate_over_http01_with_eab_and_serves_it()
    {
        if (!CaddyReady()) return;
        await using var rig = await AcmeServerRig.StartAsync();
        var (kid, hmac) = await rig.CreateEabKeyAsync("caddy");
        var name = "sbc5" + AcmeServerRig.Suffix;
        var home = Path.Combine(rig.Folder, "caddy");
        Directory.CreateDirectory(home);
        var httpsPort = AcmeServerRig.FreePort();
        var caddyfile = Path.Combine(home, "Caddyfile");
        await File.WriteAllTextAsync(caddyfile, $$"""
            {
            	admin off
            	default_bind 127.0.0.1
            	http_port {{rig.Http01Port}}
            	https_port {{httpsPort}}
            	skip_install_trust
            	ocsp_stapling off
            	email ops@example.test
            	acme_ca {{rig.Directory}}
            	acme_ca_root {{rig.RootPem}}
            	acme_eab {
            		key_id {{kid}}
            		mac_key {{hmac}}
            	}
            	storage file_system {
            		root {{Path.Combine(home, "storage")}}
            	}
            }
            {{name}} {
            	respond "served by caddy"
            }
            """);

        using var caddy = CaddyProcess.Start(home, caddyfile);
        var leaf = await WaitForCertificateAsync(httpsPort, name, rig, caddy, TimeSpan.FromSeconds(120));

        Assert.Contains("DNS:" + name, global::Rotor.Core.Validation.CertificateNames.Read(leaf));
        var root = X509CertificateLoader.LoadCertificateFromFile(rig.RootPem);
        Assert.Equal(root.SubjectName.Name, leaf.IssuerName.Name);
        var row = Assert.Single(await rig.InventoryAsync());
        Assert.Equal(leaf.SerialNumber.ToLowerInvariant(), row.GetProperty("serial").GetString());
        Assert.Equal("127.0.0.1", row.GetProperty("clientAddress").GetString());
        Assert.Contains("served by caddy", await GetOverTlsAsync(httpsPort, name, rig), StringComparison.Ordinal);
    }

    /// <summary>
    /// The certificate Caddy presents for <paramref name="name"/> once it chains to Rotor's root;
    /// until Caddy has it the handshake fails or shows another certificate.
    /// </summary>
    private static async Task<X509Certificate2> WaitForCertificateAsync(int port, string name, AcmeServerRig rig, CaddyProcess caddy, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        string last = "";
        while (Environment.TickCount64 < deadline)
        {
            Assert.False(caddy.HasExited, $"caddy exited: {caddy.Output}\nrotor: {rig.RotorLog}");
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync("127.0.0.1", port);
                await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, chain, errors) => true);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = name });
                var presented = X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
                if (Chains(presented, rig.RootPem)) return presented;
                last = $"presented {presented.Subject} from {presented.Issuer}";
            }
            catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException)
            {
                last = e.Message;
            }
            await Task.Delay(500);
        }
        throw new TimeoutException($"caddy presented no certificate from Rotor for {name} within {timeout} ({last}): {caddy.Output}\nrotor: {rig.RotorLog}");
    }

    private static bool Chains(X509Certificate2 leaf, string rootPem)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(rootPem));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    /// <summary>The body Caddy serves for <paramref name="name"/>, over HTTPS that trusts only Rotor's root.</summary>
    private static async Task<string> GetOverTlsAsync(int port, string name, AcmeServerRig rig)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && Chains(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), rig.RootPem);
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        return await http.GetStringAsync($"https://{name}:{port}/");
    }

    /// <summary>caddy run with its config and data folders under <paramref name="home"/>; killed when disposed.</summary>
    private sealed class CaddyProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly Lock _lock = new();

        private CaddyProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_lock) _output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_lock) _output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public static CaddyProcess Start(string home, string caddyfile)
        {
            var psi = new ProcessStartInfo("caddy") { WorkingDirectory = home, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "run", "--config", caddyfile, "--adapter", "caddyfile" }) psi.ArgumentList.Add(a);
            psi.Environment["HOME"] = home;
            psi.Environment["XDG_DATA_HOME"] = Path.Combine(home, "data");
            psi.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, "config");
            return new CaddyProcess(Process.Start(psi)!);
        }

        public bool HasExited => _process.HasExited;
        public string Output { get { lock (_lock) return _output.ToString(); } }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
            _process.Dispose();
        }
    }
}
