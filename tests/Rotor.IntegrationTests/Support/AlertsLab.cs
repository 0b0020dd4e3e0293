using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// The alert receivers of tests/env/alerts on 127.0.0.1: Prometheus Alertmanager, an aiosmtpd
/// SMTP server with STARTTLS and AUTH, and Net-SNMP's snmptrapd (ports from base 19480, moved by
/// ROTOR_ALERTS_LAB_PORT_OFFSET). The SMTP password and the SNMP community are new random values
/// per run, so a test can look for them in everything Rotor wrote. All three start with the
/// fixture and stop when the collection ends; a test may stop one and start it again.
/// </summary>
public sealed class AlertsLab : IDisposable
{
    private static readonly int Offset = int.TryParse(Environment.GetEnvironmentVariable("ROTOR_ALERTS_LAB_PORT_OFFSET"), out var o) ? o : 0;

    public static readonly int BasePort = 19480 + Offset;
    public static int AlertmanagerPort => BasePort;
    public static int SmtpPort => BasePort + 1;
    public static int SnmpPort => BasePort + 2;

    public AlertsLab()
    {
        StateDirectory = Path.Combine(Path.GetTempPath(), "rotor-it-alerts-" + BasePort.ToString(CultureInfo.InvariantCulture));
        Script("stop.sh", StateDirectory);
        SmtpPassword = "smtp-pw-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        Community = "community-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var problems = new List<string>();
        foreach (var server in new[] { "alertmanager", "smtp", "snmptrapd" })
        {
            var (ok, output) = StartServer(server);
            if (!ok) problems.Add($"{server}: {output.Trim()}");
        }
        Problem = problems.Count == 0 ? null : "alert receivers did not start (tests/env/alerts): " + string.Join("; ", problems);
        Available = Problem is null;
    }

    public string StateDirectory { get; }
    public bool Available { get; }
    public string? Problem { get; }

    public string SmtpUser => "alerts";
    public string SmtpPassword { get; }
    public string Community { get; }

    public Uri AlertmanagerUrl => new($"http://127.0.0.1:{AlertmanagerPort}");
    public string SmtpCertificate => Path.Combine(StateDirectory, "smtp-tls", "cert.pem");
    public string MailDirectory => Path.Combine(StateDirectory, "mail");
    public string TrapLog => Path.Combine(StateDirectory, "traps.log");

    public bool Require() => EnvScript.Require(Available, Problem, "alert receivers");

    /// <summary>(Re)starts one receiver: alertmanager, smtp or snmptrapd.</summary>
    public (bool Ok, string Output) StartServer(string server)
    {
        var port = server switch { "alertmanager" => AlertmanagerPort, "smtp" => SmtpPort, _ => SnmpPort };
        return Script($"start-{server}.sh", StateDirectory, port.ToString(CultureInfo.InvariantCulture));
    }

    public void Start(string server)
    {
        var (ok, output) = StartServer(server);
        Assert.True(ok, output);
    }

    public void Stop(string server) => Script("stop.sh", StateDirectory, server);

    /// <summary>The messages received so far: the raw .eml text and the sink's envelope (.json).</summary>
    public IReadOnlyList<(string Eml, JsonElement Envelope)> Mail() =>
        !Directory.Exists(MailDirectory) ? [] :
        [.. Directory.GetFiles(MailDirectory, "*.eml").Order(StringComparer.Ordinal)
            .Select(eml => (File.ReadAllText(eml), JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(eml, ".json"))).RootElement.Clone()))];

    /// <summary>The varbind lines of traps.log (one per trap or inform).</summary>
    public IReadOnlyList<string> Traps() =>
        !File.Exists(TrapLog) ? [] : [.. File.ReadAllLines(TrapLog).Where(l => l.StartsWith(".1.3.6.1.2.1.1.3.0 = ", StringComparison.Ordinal))];

    /// <summary>The active alerts Alertmanager holds (GET /api/v2/alerts).</summary>
    public async Task<JsonElement> AlertmanagerAlertsAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetFromJsonAsync<JsonElement>(new Uri(AlertmanagerUrl, "/api/v2/alerts"));
    }

    private (bool Ok, string Output) Script(string script, params string[] args) =>
        EnvScript.Run(EnvScript.Folder("alerts"), script, args, new Dictionary<string, string>
        {
            ["SMTP_USER"] = SmtpUser,
            ["SMTP_PASSWORD"] = SmtpPassword ?? "",
            ["SNMPTRAPD_COMMUNITY"] = Community ?? "",
        }, TimeSpan.FromMinutes(2));

    public void Dispose()
    {
        Script("stop.sh", StateDirectory);
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
public sealed class AlertsLabCollection : ICollectionFixture<AlertsLab>
{
    public const string Name = "Alert receivers";
}
