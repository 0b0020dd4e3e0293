using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Rotor.Core.Alerts;
using Rotor.Core.Resources;

namespace Rotor.Alerts.Channels;

/// <summary>
/// One plain-text e-mail per message over SMTP (MailKit): STARTTLS by default and refused when the
/// server does not offer it, implicit TLS for <c>security: tls</c>, no TLS only when asked. AUTH
/// when a user name is set; the password was resolved when the channel was built and never leaves
/// this object (MailKit's exceptions name the mechanism, not the password, and are rewritten
/// here anyway). The Message-ID is derived from the idempotency key, so a mail system or a reader
/// that deduplicates on it drops a second delivery of the same message.
/// </summary>
public sealed class EmailChannel : IAlertChannel
{
    private readonly string _name;
    private readonly EmailNotifierSpec _spec;
    private readonly string? _password;
    private readonly X509Certificate2Collection? _roots;
    private readonly TimeSpan _timeout;

    public EmailChannel(string name, EmailNotifierSpec spec, string? password, X509Certificate2Collection? roots, TimeSpan timeout)
    {
        _name = name;
        _spec = spec;
        _password = password;
        _roots = roots;
        _timeout = timeout;
    }

    public string Name => _name;

    public async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        MimeMessage mail;
        try
        {
            mail = Compose(_spec, message);
        }
        catch (ParseException)
        {
            throw new AlertDeliveryException($"notifier {_name}: from or to is not a mail address (spec.email.from, spec.email.to)", isTransient: false);
        }
        using var client = new SmtpClient
        {
            Timeout = (int)Math.Clamp(_timeout.TotalMilliseconds, 1000, int.MaxValue),
            CheckCertificateRevocation = false,
            ServerCertificateValidationCallback = Validate,
        };
        var step = "connect";
        try
        {
            await client.ConnectAsync(_spec.Host, _spec.Port, SocketOptions(_spec.Security), cancellationToken);
            if (_spec.Username is not null)
            {
                step = "authenticate";
                await client.AuthenticateAsync(_spec.Username, _password ?? "", cancellationToken);
            }
            step = "send";
            await client.SendAsync(mail, cancellationToken);
            step = "quit";
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && Describe(e, step) is { } failure)
        {
            throw new AlertDeliveryException($"notifier {_name}: SMTP {_spec.Host}:{_spec.Port} {failure.Text}", failure.Transient, e is AuthenticationException ? null : e);
        }
    }

    public static MimeMessage Compose(EmailNotifierSpec spec, OutboxMessage message)
    {
        var mail = new MimeMessage();
        mail.From.Add(MailboxAddress.Parse(spec.From));
        foreach (var to in spec.To) mail.To.Add(MailboxAddress.Parse(to));
        mail.Subject = AlertText.Subject(message);
        mail.MessageId = MessageId(spec.From, message.IdempotencyKey);
        mail.Date = message.CreatedAt;
        mail.Headers.Add("X-Rotor-Alert", message.Alert.Key);
        mail.Headers.Add("X-Rotor-Idempotency-Key", message.IdempotencyKey);
        mail.Body = new TextPart(MimeKit.Text.TextFormat.Plain) { Text = AlertText.Body(message) };
        return mail;
    }

    /// <summary>The same idempotency key gives the same Message-ID: 32 hex digits of its SHA-256 at the sender's domain.</summary>
    public static string MessageId(string from, string idempotencyKey)
    {
        var address = MailboxAddress.Parse(from).Address;
        var at = address.LastIndexOf('@');
        var domain = at >= 0 && at < address.Length - 1 ? address[(at + 1)..] : "rotor.invalid";
        return $"rotor.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..32]}@{domain}";
    }

    private static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.None => SecureSocketOptions.None,
        // StartTls (not StartTlsWhenAvailable): MailKit refuses to go on when the server does not offer it.
        _ => SecureSocketOptions.StartTls,
    };

    /// <summary>The server's certificate must name the host and chain to the system's roots, or to the caBundle's alone when one is set.</summary>
    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_roots is null) return errors == SslPolicyErrors.None;
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(_roots);
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }

    /// <summary>A safe text for a failure (no password, no message body) and whether a retry can help.</summary>
    private static (string Text, bool Transient)? Describe(Exception e, string step) => e switch
    {
        NotSupportedException when step == "connect" => ("does not offer STARTTLS; refusing to send without TLS (security: startTls)", false),
        SslHandshakeException => ("TLS handshake failed (certificate not trusted or no common protocol; see caBundle)", false),
        AuthenticationException => ("refused the login of the configured user (AUTH failed)", false),
        SmtpCommandException c => ($"answered {(int)c.StatusCode} at {step} ({c.ErrorCode})", (int)c.StatusCode is >= 400 and < 500),
        SmtpProtocolException => ($"broke the SMTP protocol at {step}", true),
        ServiceNotConnectedException => ($"closed the connection at {step}", true),
        SocketException s => ($"cannot be reached ({s.SocketErrorCode})", true),
        IOException => ($"closed the connection at {step}", true),
        TimeoutException => ($"did not answer in time at {step}", true),
        _ => null,
    };
}
