using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rotor.Alerts.Channels;
using Rotor.IntegrationTests.Support;
using Rotor.Testing;

namespace Rotor.IntegrationTests.Alerts;

/// <summary>
/// End to end through the real <c>rotor</c> process: a certificate 20 days from expiry and one
/// notifier of each kind; <c>rotor reconcile</c> issues it, raises CertificateExpiring and
/// delivers it to Alertmanager, an SMTP server (STARTTLS + AUTH), snmptrapd (a trap and an
/// inform) and a webhook receiver; a renewal to 90 days resolves it everywhere. Nothing Rotor
/// printed or stored holds the SMTP password, the HMAC key or the community string.
/// </summary>
[Collection(AlertsLabCollection.Name)]
public class AlertChannelTests(AlertsLab lab)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    internal static string Manifest(AlertsLab lab, Uri webhook, string duration) => $$"""
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: local}
        spec: {ca: {} }
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: sip-edge}
        spec:
          commonName: sip.example.test
          dnsNames: [sip.example.test]
          duration: {{duration}}
          renewBefore: 24h
          privateKey: {algorithm: ECDSA, size: 256}
          issuerRef: {name: local}
        ---
        apiVersion: rotor/v1
        kind: Notifier
        metadata: {name: am}
        spec: {alertmanager: {url: "{{lab.AlertmanagerUrl}}"} }
        ---
        apiVersion: rotor/v1
        kind: Notifier
        metadata: {name: hook}
        spec: {webhook: {url: "{{webhook}}", format: generic, secretRef: {file: hook.key} } }
        ---
        apiVersion: rotor/v1
        kind: Notifier
        metadata: {name: mail}
        spec:
          timeout: 20s
          email: {host: 127.0.0.1, port: {{AlertsLab.SmtpPort}}, from: "Rotor <rotor@pbx.example.test>", to: [noc@example.test],
                  username: {{lab.SmtpUser}}, passwordRef: {file: smtp.pass}, caBundle: {{lab.SmtpCertificate}}}
        ---
        apiVersion: rotor/v1
        kind: Notifier
        metadata: {name: traps}
        spec: {snmp: {host: 127.0.0.1, port: {{AlertsLab.SnmpPort}}, communityRef: {file: snmp.community} } }
        ---
        apiVersion: rotor/v1
        kind: Notifier
        metadata: {name: informs}
        spec: {snmp: {host: 127.0.0.1, port: {{AlertsLab.SnmpPort}}, communityRef: {file: snmp.community}, inform: true} }
        """;

    internal static void WriteSecrets(AlertsLab lab, TempDir dir, string hmacKey)
    {
        File.WriteAllText(dir.Combine("hook.key"), hmacKey + "\n");
        File.WriteAllText(dir.Combine("smtp.pass"), lab.SmtpPassword + "\n");
        File.WriteAllText(dir.Combine("snmp.community"), lab.Community + "\n");
    }

    private static async Task<(int Code, string Out, string Err)> RotorAsync(string dir, params string[] args)
    {
        using var rotor = RotorProcess.Start(dir, null, args);
        var code = await rotor.WaitForExitAsync(Bound);
        return (code, rotor.Output, rotor.Errors);
    }

    [Fact]
    public async Task Rotor_reconcile_tells_every_receiver_of_a_certificate_near_expiry_and_of_its_renewal_and_leaks_no_secret()
    {
        if (!lab.Require()) return;
        using var dir = new TempDir();
        using var hook = new WebhookReceiver(TimeSpan.FromMinutes(3));
        var hmacKey = "hmac-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        WriteSecrets(lab, dir, hmacKey);
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest(lab, hook.Url, "480h"));
        var mailBefore = lab.Mail().Count;
        var trapsBefore = lab.Traps().Count;
        var captured = new StringBuilder();

        var (code, output, errors) = await RotorAsync(dir.Path, "reconcile", "-f", "rotor.yaml", "--data", "data");
        captured.Append(output).Append(errors);
        Assert.True(code == 0, output + errors);
        Assert.Contains("alerts: 5 message(s) delivered, 0 waiting", errors, StringComparison.Ordinal);

        // Alertmanager holds it, with Rotor's labels and annotations.
        var alert = Assert.Single((await lab.AlertmanagerAlertsAsync()).EnumerateArray(), a => a.GetProperty("labels").TryGetProperty("certificate", out var c) && c.GetString() == "sip-edge"
            && a.GetProperty("labels").GetProperty("rotor_alert").GetString() == "CertificateExpiring/sip-edge");
        var labels = alert.GetProperty("labels");
        Assert.Equal("CertificateExpiring", labels.GetProperty("alertname").GetString());
        Assert.Equal("warning", labels.GetProperty("severity").GetString());
        Assert.Equal("local", labels.GetProperty("issuer").GetString());
        Assert.Contains("sip-edge", alert.GetProperty("annotations").GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal("active", alert.GetProperty("status").GetProperty("state").GetString());

        // One mail, over TLS, logged in as the configured user, with the subject and the facts.
        var mail = lab.Mail().Skip(mailBefore).ToList();
        var (eml, envelope) = Assert.Single(mail);
        Assert.Equal(lab.SmtpUser, envelope.GetProperty("auth_user").GetString());
        Assert.NotEqual(JsonValueKind.Null, envelope.GetProperty("tls").ValueKind);
        Assert.Contains("Subject: [Rotor WARNING] Certificate sip-edge expires in ", eml, StringComparison.Ordinal);
        Assert.Contains("Certificate: sip-edge", eml, StringComparison.Ordinal);
        Assert.Contains("Key:      CertificateExpiring/sip-edge@", eml, StringComparison.Ordinal);
        Assert.Matches(@"Message-I[Dd]: <rotor\.[0-9a-f]{32}@pbx\.example\.test>", eml);

        // A trap and an inform, each with Rotor's notification OID and objects.
        var traps = lab.Traps().Skip(trapsBefore).ToList();
        Assert.Equal(2, traps.Count);
        Assert.All(traps, t =>
        {
            Assert.Contains($".1.3.6.1.6.3.1.1.4.1.0 = OID: .{RotorMib.AlertFiring}\t", t, StringComparison.Ordinal);
            Assert.Contains($".{RotorMib.AlertKey}.0 = STRING: \"CertificateExpiring/sip-edge\"", t, StringComparison.Ordinal);
            Assert.Contains($".{RotorMib.AlertRule}.0 = STRING: \"CertificateExpiring\"", t, StringComparison.Ordinal);
            Assert.Contains($".{RotorMib.AlertSeverity}.0 = INTEGER: 2", t, StringComparison.Ordinal);
            Assert.Contains($".{RotorMib.AlertCertificate}.0 = STRING: \"sip-edge\"", t, StringComparison.Ordinal);
            Assert.Contains($".{RotorMib.AlertIssuer}.0 = STRING: \"local\"", t, StringComparison.Ordinal);
            Assert.Matches($@"\.{RotorMib.AlertSummary.Replace(".", "\\.", StringComparison.Ordinal)}\.0 = STRING: ""Certificate sip-edge expires in \d+ days", t);
            Assert.Contains($".{RotorMib.AlertFiringSince}.0 = Hex-STRING: ", t, StringComparison.Ordinal);
        });

        // The webhook: signed over the raw body with the key, the Idempotency-Key the body's.
        var request = Assert.Single(hook.Requests);
        Assert.Equal(WebhookChannel.Sign(Encoding.UTF8.GetBytes(hmacKey), request.Body), request.Headers["X-Rotor-Signature"]);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(body.RootElement.GetProperty("idempotencyKey").GetString(), request.Headers["Idempotency-Key"]);
        Assert.Equal("firing", body.RootElement.GetProperty("status").GetString());

        // Renewed for 90 days: resolved once in every receiver; Alertmanager no longer lists it.
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest(lab, hook.Url, "2160h"));
        (code, output, errors) = await RotorAsync(dir.Path, "reconcile", "-f", "rotor.yaml", "--data", "data");
        captured.Append(output).Append(errors);
        Assert.True(code == 0, output + errors);
        Assert.Contains("1 issued", output, StringComparison.Ordinal);
        Assert.DoesNotContain((await lab.AlertmanagerAlertsAsync()).EnumerateArray(), a => a.GetProperty("labels").TryGetProperty("certificate", out var c) && c.GetString() == "sip-edge");
        Assert.Contains("Subject: [Rotor RESOLVED] ", Assert.Single(lab.Mail().Skip(mailBefore + 1)).Eml, StringComparison.Ordinal);
        var resolvedTraps = lab.Traps().Skip(trapsBefore + 2).ToList();
        Assert.Equal(2, resolvedTraps.Count);
        Assert.All(resolvedTraps, t => Assert.Contains($"OID: .{RotorMib.AlertResolved}\t", t, StringComparison.Ordinal));
        Assert.Equal(2, hook.Requests.Count);
        Assert.Equal("resolved", JsonDocument.Parse(hook.Requests[1].Body).RootElement.GetProperty("status").GetString());

        // Nothing Rotor printed, logged or stored holds a secret: not the output of these runs
        // nor of the read commands, not a byte of the data folder (SQLite file, WAL, keys).
        foreach (var args in new[] { new[] { "events" }, ["events", "-o", "json"], ["get", "certificates", "-o", "json"], ["describe", "certificate", "sip-edge"] })
        {
            (code, output, errors) = await RotorAsync(dir.Path, [.. args, "--data", "data"]);
            Assert.True(code == 0, output + errors);
            captured.Append(output).Append(errors);
        }
        var stored = Directory.GetFiles(dir.Combine("data"), "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).ToList();
        Assert.NotEmpty(stored);
        foreach (var secret in new[] { lab.SmtpPassword, hmacKey, lab.Community })
        {
            Assert.DoesNotContain(secret, captured.ToString(), StringComparison.Ordinal);
            var bytes = Encoding.UTF8.GetBytes(secret);
            Assert.All(stored, content => Assert.True(content.AsSpan().IndexOf(bytes) < 0, $"a secret is stored in the data folder"));
        }
    }
    /// <summary>
    /// The Native AOT executable (ROTOR_AOT_EXE, as AotExecutableTests) delivers through MailKit
    /// (STARTTLS, AUTH, the caBundle), the BouncyCastle-encoded SNMP inform and the webhook as the managed one does.
    /// </summary>
    [Fact]
    public async Task The_native_executable_delivers_mail_snmp_informs_and_signed_webhooks()
    {
        var exe = Environment.GetEnvironmentVariable("ROTOR_AOT_EXE");
        if (string.IsNullOrEmpty(exe)) exe = Path.Combine(Checkout.Root(), "artifacts", "publish", "rotor-aot", "rotor");
        if (!lab.Require() || !EnvScript.Require(File.Exists(exe), "the Native AOT rotor is missing: test.sh publishes it and sets ROTOR_AOT_EXE", "Native AOT rotor")) return;
        using var dir = new TempDir();
        using var hook = new WebhookReceiver(TimeSpan.FromMinutes(2));
        var hmacKey = "hmac-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        WriteSecrets(lab, dir, hmacKey);
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest(lab, hook.Url, "480h"));
        var mailBefore = lab.Mail().Count;
        var trapsBefore = lab.Traps().Count;

        using var rotor = RotorProcess.StartExecutable(exe, dir.Path, null, "reconcile", "-f", "rotor.yaml", "--data", "data");
        var code = await rotor.WaitForExitAsync(Bound);
        Assert.True(code == 0, rotor.Output + rotor.Errors);
        Assert.Contains("alerts: 5 message(s) delivered, 0 waiting", rotor.Errors, StringComparison.Ordinal);
        Assert.Equal(lab.SmtpUser, Assert.Single(lab.Mail().Skip(mailBefore)).Envelope.GetProperty("auth_user").GetString());
        Assert.Equal(2, lab.Traps().Skip(trapsBefore).Count(t => t.Contains($"OID: .{RotorMib.AlertFiring}\t", StringComparison.Ordinal)));
        var request = Assert.Single(hook.Requests);
        Assert.Equal(WebhookChannel.Sign(Encoding.UTF8.GetBytes(hmacKey), request.Body), request.Headers["X-Rotor-Signature"]);
        foreach (var secret in new[] { lab.SmtpPassword, hmacKey, lab.Community })
        {
            Assert.DoesNotContain(secret, rotor.Output + rotor.Errors, StringComparison.Ordinal);
        }
    }
}
