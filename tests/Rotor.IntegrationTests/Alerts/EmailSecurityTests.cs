using System.Net;
using System.Net.Sockets;
using System.Text;
using Rotor.Alerts.Channels;
using Rotor.Core.Alerts;
using Rotor.Core.Resources;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Alerts;

/// <summary>
/// The email channel's refusals: no mail without STARTTLS when the spec asks for it, no mail to a
/// server whose certificate is not trusted, and a wrong password named without the password.
/// </summary>
[Collection(AlertsLabCollection.Name)]
public class EmailSecurityTests(AlertsLab lab)
{
    private static OutboxMessage Message() => OutboxMessage.For("mail", new AlertNotification(AlertNotificationKind.Firing,
        AlertDeliveryRetryTests.Alert("sip-edge", new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)));

    private static EmailNotifierSpec Spec(int port) => new("127.0.0.1", port, "rotor@pbx.example.test", ["noc@example.test"]) { Username = "alerts" };

    /// <summary>An SMTP server on 127.0.0.1 that offers no STARTTLS and records every command it gets; it accepts them all.</summary>
    private static async Task<List<string>> PlainSmtpServerAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        var commands = new List<string>();
        using var client = await listener.AcceptTcpClientAsync(cancellationToken);
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 plain.example.test ESMTP");
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            commands.Add(line);
            if (line.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase)) await writer.WriteLineAsync("250-plain.example.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME");
            else if (line.StartsWith("QUIT", StringComparison.OrdinalIgnoreCase)) { await writer.WriteLineAsync("221 bye"); break; }
            else await writer.WriteLineAsync("250 ok");
        }
        return commands;
    }

    [Fact]
    public async Task Without_starttls_on_offer_nothing_is_sent_and_no_password_goes_in_clear()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var server = PlainSmtpServerAsync(listener, bound.Token);
            var channel = new EmailChannel("mail", Spec(((IPEndPoint)listener.LocalEndpoint).Port), "pw-never-in-clear", null, TimeSpan.FromSeconds(10));
            var e = await Assert.ThrowsAsync<AlertDeliveryException>(() => channel.SendAsync(Message(), bound.Token));
            Assert.Contains("does not offer STARTTLS", e.Message, StringComparison.Ordinal);
            Assert.False(e.IsTransient);
            var commands = await server.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Contains(commands, c => c.StartsWith("EHLO", StringComparison.Ordinal));
            Assert.DoesNotContain(commands, c => c.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase) || c.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task An_untrusted_server_certificate_or_a_wrong_password_fails_with_a_message_that_names_neither_secret()
    {
        if (!lab.Require()) return;
        var before = lab.Mail().Count;
        // The lab's self-signed certificate is not in the system store: without caBundle, no mail.
        var untrusted = new EmailChannel("mail", Spec(AlertsLab.SmtpPort), lab.SmtpPassword, null, TimeSpan.FromSeconds(10));
        var e = await Assert.ThrowsAsync<AlertDeliveryException>(() => untrusted.SendAsync(Message(), default));
        Assert.Contains("TLS handshake failed", e.Message, StringComparison.Ordinal);

        var roots = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        roots.ImportFromPemFile(lab.SmtpCertificate);
        const string Wrong = "wrong-password-4711";
        var wrong = new EmailChannel("mail", Spec(AlertsLab.SmtpPort), Wrong, roots, TimeSpan.FromSeconds(10));
        e = await Assert.ThrowsAsync<AlertDeliveryException>(() => wrong.SendAsync(Message(), default));
        Assert.Contains("AUTH failed", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Wrong, e.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, lab.Mail().Count);

        // The right password and the bundle: delivered.
        await new EmailChannel("mail", Spec(AlertsLab.SmtpPort), lab.SmtpPassword, roots, TimeSpan.FromSeconds(10)).SendAsync(Message(), default);
        Assert.Equal(lab.SmtpUser, Assert.Single(lab.Mail().Skip(before)).Envelope.GetProperty("auth_user").GetString());
    }
}
