using System.Globalization;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// TLS endpoints and an OCSP responder for the discovery scan tests, from tests/env/alerts, on
/// 127.0.0.1 only: `openssl s_server` endpoints with a chosen certificate or protocol, and the
/// `openssl ocsp` frontend (ocsp-frontend.py, which binds 127.0.0.1; never the built-in responder,
/// which binds every interface). Ports from 24400 (moved by ROTOR_SCAN_LAB_PORT_OFFSET); one state
/// folder per instance, stopped and removed on dispose.
/// </summary>
public sealed class ScanLab : IAsyncDisposable
{
    public static readonly int BasePort = 24400 + (int.TryParse(Environment.GetEnvironmentVariable("ROTOR_SCAN_LAB_PORT_OFFSET"), out var o) ? o : 0);

    private static readonly string Scripts = EnvScript.Folder("alerts");

    private ScanLab(string directory) => Directory = directory;

    public string Directory { get; }

    public bool Available { get; private set; }
    public string? Problem { get; private set; }

    /// <summary>The lab CA's root: the issuer of every endpoint certificate and of the OCSP responder's leaves.</summary>
    public string CaRoot => Path.Combine(Directory, "ca", "root.pem");

    public string CertificatePath(string name) => Path.Combine(Directory, "ca", "certs", name + ".pem");
    public string KeyPath(string name) => Path.Combine(Directory, "ca", "certs", name + ".key");

    public static int Port(int slot) => BasePort + slot;

    /// <summary>Starts the OCSP responder (slot 0), which also creates the lab CA and its good and revoked leaves.</summary>
    public static async Task<ScanLab> StartAsync(CancellationToken cancellationToken = default)
    {
        var lab = new ScanLab(Path.Combine(Path.GetTempPath(), "rotor-it-scan-" + BasePort.ToString(CultureInfo.InvariantCulture)));
        await EnvScript.RunAsync(Scripts, "stop.sh", [lab.Directory], null, TimeSpan.FromSeconds(30), cancellationToken);
        if (System.IO.Directory.Exists(lab.Directory)) System.IO.Directory.Delete(lab.Directory, recursive: true);
        System.IO.Directory.CreateDirectory(lab.Directory);
        var (code, output) = await EnvScript.RunAsync(Scripts, "start-ocsp.sh", [lab.Directory, Port(0).ToString(CultureInfo.InvariantCulture)], null,
            TimeSpan.FromSeconds(60), cancellationToken);
        lab.Available = code == 0;
        lab.Problem = code == 0 ? null : "the OCSP responder of tests/env/alerts did not start (openssl, python3): " + output.Trim();
        return lab;
    }

    /// <summary>An `openssl s_server` on 127.0.0.1:<see cref="Port"/>(slot) with the options of start-tls-endpoint.sh.</summary>
    public async Task StartEndpointAsync(int slot, params string[] options)
    {
        var (code, output) = await EnvScript.RunAsync(Scripts, "start-tls-endpoint.sh", [Directory, Port(slot).ToString(CultureInfo.InvariantCulture), .. options], null,
            TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.True(code == 0, output);
    }

    /// <summary>
    /// A new RSA leaf from the lab CA for localhost and 127.0.0.1, valid for <paramref name="days"/> from
    /// now (0 or negative: already expired), as <c>ca/certs/NAME.pem</c> and <c>.key</c>.
    /// </summary>
    public async Task<LabCertificate> IssueAsync(string name, int days)
    {
        var (code, output) = await EnvScript.RunAsync(Scripts, "lab-ca.sh",
            [Directory, "issue", name, "--days", days.ToString(CultureInfo.InvariantCulture), "--rsa", "--dns", "localhost", "--ip", "127.0.0.1"], null,
            TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.True(code == 0, output);
        return new LabCertificate(CertificatePath(name), KeyPath(name), "");
    }

    /// <summary>The OCSP frontend's request log: one line per request with the serial asked and the answer.</summary>
    public string OcspRequests => File.Exists(Path.Combine(Directory, "ocsp-requests.log")) ? File.ReadAllText(Path.Combine(Directory, "ocsp-requests.log")) : "";

    public async ValueTask DisposeAsync()
    {
        await EnvScript.RunAsync(Scripts, "stop.sh", [Directory], null, TimeSpan.FromSeconds(30), CancellationToken.None);
        if (Environment.GetEnvironmentVariable("ROTOR_SCAN_LAB_KEEP") != "1" && System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
