using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Probes;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// A real Kamailio 5.6 with TLS on 127.0.0.1, started from tests/env/sip for one test (or one
/// class) on ports of its own, presenting a certificate from a test CA of its own.
/// </summary>
/// <remarks>
/// <para>
/// Rotor deploys into it the way it deploys into a production proxy: it replaces
/// <see cref="CertificatePath"/> and <see cref="PrivateKeyPath"/> (temp file + rename) and calls
/// <c>tls.reload</c> on <see cref="ControlSocket"/> (<c>kamcmd -s unix:PATH tls.reload</c>). The
/// fixture can do both itself (<see cref="InstallAsync"/>, <see cref="ReloadAsync"/>), issue new
/// pairs (<see cref="IssueAsync"/>), probe what is presented (<see cref="ProbeAsync"/>) and run
/// bounded sipp call load over TLS (<see cref="StartLoad"/>).
/// </para>
/// <para>
/// Each instance takes a slot of four ports from 15061 (moved by ROTOR_SIP_LAB_PORT_OFFSET): TLS,
/// plain SIP, the test UAS and the TLS shim in front of sipp. A slot is claimed with a lock file
/// held for the instance's life, so parallel test classes, and test runs in other processes, never
/// share one; start two instances for an HA pair (<see cref="StartPairAsync"/>).
/// </para>
/// <para>
/// Kamailio 5.6 with OpenSSL 3 can corrupt memory when <c>tls.reload</c> runs while new
/// handshakes are in progress (tests/env/sip/README.md). Reload while calls run on established
/// connections (<see cref="SipLoadMode.Trunk"/>), and check <see cref="KamailioFaults"/> before
/// blaming Rotor for a failure seen under handshake load.
/// </para>
/// Missing packages: <see cref="Available"/> is false and <see cref="Require"/> skips the test
/// locally and fails it under CI=true.
/// </remarks>
public sealed partial class KamailioLab : IAsyncDisposable
{
    /// <summary>ROTOR_SIP_LAB_PORT_OFFSET moves every port, so two checkouts on one machine do not meet.</summary>
    public static readonly int BasePort = 15061 + (int.TryParse(Environment.GetEnvironmentVariable("ROTOR_SIP_LAB_PORT_OFFSET"), out var o) ? o : 0);

    private const int PortsPerInstance = 4;
    private const int Slots = 24;
    private static readonly string Scripts = EnvScript.Folder("sip");

    private readonly FileStream? _slotLock;
    private bool _stopped;

    private KamailioLab(FileStream? slotLock, int tlsPort, string directory)
    {
        _slotLock = slotLock;
        TlsPort = tlsPort;
        Directory = directory;
    }

    /// <summary>False when Kamailio could not start here (packages missing, no free slot); see <see cref="Problem"/>.</summary>
    public bool Available { get; private set; }

    public string? Problem { get; private set; }

    /// <summary>The state folder: configuration, certificates, logs, load logs. Removed on dispose unless ROTOR_SIP_LAB_KEEP=1.</summary>
    public string Directory { get; }

    public string Host => "127.0.0.1";

    /// <summary>The name every certificate of this fixture covers (plus IP 127.0.0.1); send it as SNI.</summary>
    public string ServerName => "localhost";

    /// <summary>SIP over TLS: the certificate under test.</summary>
    public int TlsPort { get; }

    /// <summary>Plain SIP, UDP and TCP.</summary>
    public int SipPort => TlsPort + 1;

    /// <summary>The live certificate chain Kamailio loads at start and at every reload (PEM, leaf first).</summary>
    public string CertificatePath => Path.Combine(Directory, "certs", "cert.pem");

    /// <summary>The live private key (unencrypted PEM) matching <see cref="CertificatePath"/>.</summary>
    public string PrivateKeyPath => Path.Combine(Directory, "certs", "key.pem");

    /// <summary>Kamailio's binrpc control socket: <c>kamcmd -s unix:{ControlSocket} tls.reload</c>.</summary>
    public string ControlSocket => Path.Combine(Directory, "run", "kamailio_ctl");

    /// <summary>Kamailio's log, with <c>=== time ...</c> marker lines from the scripts.</summary>
    public string LogPath => Path.Combine(Directory, "kamailio.log");

    /// <summary>The root of this fixture's test CA: what clients trust for certificates from <see cref="IssueAsync"/>.</summary>
    public string CaCertificatePath => Path.Combine(Directory, "ca", "ca-cert.pem");

    /// <summary>The TLS configuration Kamailio re-reads at reload (names the two files above).</summary>
    public string TlsConfigPath => Path.Combine(Directory, "tls.cfg");

    /// <summary>Where a probe of this instance connects, sending <see cref="ServerName"/> as SNI.</summary>
    public ProbeTarget Target(bool sipOptions = false) => new(Host, TlsPort, ServerName, sipOptions);

    /// <summary>Starts one instance in a free slot. Never throws for a missing Kamailio: check <see cref="Require"/>.</summary>
    public static async Task<KamailioLab> StartAsync(KamailioLabOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KamailioLabOptions();
        var problems = new List<string>();
        for (var slot = 0; slot < Slots; slot++)
        {
            var port = BasePort + slot * PortsPerInstance;
            var name = "rotor-it-sip-" + port.ToString(CultureInfo.InvariantCulture);
            FileStream slotLock;
            try
            {
                // FileShare.None takes an exclusive flock on Linux: held until dispose or process death.
                slotLock = new FileStream(Path.Combine(Path.GetTempPath(), name + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                continue; // another instance (of this or another test process) holds the slot
            }
            var lab = new KamailioLab(slotLock, port, Path.Combine(Path.GetTempPath(), name));
            var (started, output) = await lab.StartInSlotAsync(options, cancellationToken);
            if (started) return lab;
            await lab.DisposeAsync();
            problems.Add(output.Trim());
            if (!output.Contains("already in use", StringComparison.Ordinal)) break; // not a port clash: no other slot helps
        }
        var failed = new KamailioLab(null, 0, "");
        failed.Problem = "Kamailio could not start (tests/env/install-deps.sh installs kamailio, kamailio-tls-modules, sip-tester, stunnel4): "
            + (problems.Count == 0 ? "no free port slot" : problems[^1]);
        failed._stopped = true;
        return failed;
    }

    /// <summary>Two instances on different ports, each with its own certificate and CA: an HA pair.</summary>
    public static async Task<(KamailioLab First, KamailioLab Second)> StartPairAsync(KamailioLabOptions? options = null, CancellationToken cancellationToken = default)
    {
        var first = await StartAsync(options, cancellationToken);
        var second = await StartAsync(options, cancellationToken);
        return (first, second);
    }

    private async Task<(bool Ok, string Output)> StartInSlotAsync(KamailioLabOptions options, CancellationToken cancellationToken)
    {
        // A run that was killed may have left its Kamailio of this slot running: stop it.
        await EnvScript.RunAsync(Scripts, "stop.sh", [Directory], null, TimeSpan.FromSeconds(30), cancellationToken);
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
        System.IO.Directory.CreateDirectory(Directory);
        if (options.Serve is { } serve)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(CertificatePath)!);
            File.Copy(serve.PrivateKeyPath, PrivateKeyPath);
            File.Copy(serve.CertificatePath, CertificatePath);
        }
        else if (options.IntermediateChain || options.KeyType != "ec")
        {
            var first = await IssueAsync("initial", options.IntermediateChain, options.KeyType, cancellationToken);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(CertificatePath)!);
            File.Copy(first.PrivateKeyPath, PrivateKeyPath);
            File.Copy(first.CertificatePath, CertificatePath);
        }
        var environment = new Dictionary<string, string>
        {
            ["SIP_LAB_TCP_CHILDREN"] = options.TcpChildren.ToString(CultureInfo.InvariantCulture),
            ["SIP_LAB_TLS_METHOD"] = options.TlsMethod,
            ["SIP_LAB_TLS_CIPHERS"] = options.CipherList ?? "",
        };
        var (code, output) = await EnvScript.RunAsync(Scripts, "start-kamailio.sh", [Directory, TlsPort.ToString(CultureInfo.InvariantCulture)],
            environment, TimeSpan.FromSeconds(60), cancellationToken);
        Available = code == 0;
        return (Available, output);
    }

    /// <summary>Whether the test may use Kamailio (see <see cref="EnvScript.Require"/>).</summary>
    public bool Require() => EnvScript.Require(Available, Problem, "Kamailio");

    /// <summary>
    /// <c>tls.reload</c> through the control socket (tests/env/sip/reload.sh). kamcmd exits 0 even
    /// when Kamailio refuses the files, so the outcome comes from the reply text alone.
    /// </summary>
    public async Task<KamailioReload> ReloadAsync(CancellationToken cancellationToken = default)
    {
        var (_, output) = await EnvScript.RunAsync(Scripts, "reload.sh", [Directory], null, TimeSpan.FromSeconds(30), cancellationToken);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var outcome = lines.LastOrDefault(l => l.StartsWith("RELOAD_RESULT=", StringComparison.Ordinal))?["RELOAD_RESULT=".Length..] ?? "unreachable";
        var reply = lines.FirstOrDefault(l => !l.StartsWith('[') && !l.StartsWith("RELOAD_RESULT=", StringComparison.Ordinal)) ?? "";
        return new KamailioReload(reply.Contains(KamailioReload.OkReply, StringComparison.Ordinal), reply, outcome, output);
    }

    /// <summary>One handshake (and optionally OPTIONS) with Rotor's own probe, trusting <paramref name="trust"/> or this fixture's CA.</summary>
    public async Task<ProbeResult> ProbeAsync(bool sipOptions = false, IReadOnlyList<X509Certificate2>? trust = null, CancellationToken cancellationToken = default)
    {
        trust ??= TrustAnchors();
        var probe = new TlsProbe(new TlsProbeOptions { TrustAnchors = trust }, TimeProvider.System);
        return await probe.ProbeAsync(Target(sipOptions), cancellationToken);
    }

    /// <summary>
    /// Lines of the Kamailio log that show Kamailio's own known faults under reload (double frees,
    /// TLS protocol errors on established connections, crashed children), for assertion messages.
    /// </summary>
    public IReadOnlyList<string> KamailioFaults()
    {
        if (!File.Exists(LogPath)) return [];
        string[] signs = ["freeing already freed pointer", "protocol level error", "exited by a signal", "SIGSEGV", "SIGABRT"];
        return [.. File.ReadLines(LogPath).Where(l => signs.Any(s => l.Contains(s, StringComparison.Ordinal)))];
    }

    /// <summary>Stops Kamailio and any load helpers (idempotent). The state folder stays until dispose.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopped) return;
        _stopped = true;
        await EnvScript.RunAsync(Scripts, "stop.sh", [Directory], null, TimeSpan.FromSeconds(40), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Directory.Length > 0 && Environment.GetEnvironmentVariable("ROTOR_SIP_LAB_KEEP") != "1")
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        if (_slotLock is not null) await _slotLock.DisposeAsync();
    }
}

/// <summary>How to start a <see cref="KamailioLab"/>.</summary>
public sealed record KamailioLabOptions
{
    /// <summary>
    /// TLS worker processes of Kamailio. One by default: Kamailio 5.6.3 with OpenSSL 3 corrupts its
    /// shared memory and crashes when handshakes run at once in several workers (two probes in
    /// flight are enough), with or without a reload.
    /// </summary>
    public int TcpChildren { get; init; } = 1;

    /// <summary>Start with a chain of leaf + intermediate instead of a leaf issued by the root.</summary>
    public bool IntermediateChain { get; init; }

    /// <summary>Key type of the first certificate: "ec" (P-256) or "rsa" (2048).</summary>
    public string KeyType { get; init; } = "ec";

    /// <summary>Serve this pair (chain file, key file) from the start instead of one from the fixture's own CA.</summary>
    public LabCertificate? Serve { get; init; }

    /// <summary>The tls module's <c>method</c> for the server profile; "TLSv1+" makes a legacy endpoint.</summary>
    public string TlsMethod { get; init; } = "TLSv1.2+";

    /// <summary>The server profile's <c>cipher_list</c>; TLS 1.0 with OpenSSL 3 needs "DEFAULT:@SECLEVEL=0".</summary>
    public string? CipherList { get; init; }
}

/// <summary>The outcome of a <c>tls.reload</c>.</summary>
/// <param name="Ok">The reply said <see cref="OkReply"/>: Kamailio now serves the files on disk.</param>
/// <param name="Reply">Kamailio's reply text, e.g. "error: 500 - Error while fixing TLS configuration (consult server log)".</param>
/// <param name="Outcome">ok, refused (the previous certificate stays in service) or unreachable.</param>
/// <param name="Output">Everything reload.sh printed, including the log's ERROR lines of a refused reload.</param>
public sealed record KamailioReload(bool Ok, string Reply, string Outcome, string Output)
{
    public const string OkReply = "Ok. TLS configuration reloaded.";
}
