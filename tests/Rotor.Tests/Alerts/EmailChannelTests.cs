using Rotor.Alerts.Channels;
using Rotor.Core.Alerts;
using Rotor.Core.Resources;

namespace Rotor.Tests.Alerts;

/// <summary>The e-mail a message becomes: addresses from the spec, AlertText subject and body, a Message-ID from the idempotency key.</summary>
public class EmailChannelTests
{
    private static readonly EmailNotifierSpec Spec = new("127.0.0.1", 2525, "Rotor <rotor@pbx.example.test>", ["ops@example.test", "noc@example.test"]);

    [Fact]
    public void The_mail_carries_the_subject_the_facts_and_a_message_id_that_names_the_message()
    {
        var message = SnmpChannelTests.Message();
        var mail = EmailChannel.Compose(Spec, message);
        Assert.Equal("[Rotor WARNING] Certificate sip-edge expires in 6 days", mail.Subject);
        Assert.Equal("rotor@pbx.example.test", Assert.Single(mail.From.Mailboxes).Address);
        Assert.Equal(["ops@example.test", "noc@example.test"], mail.To.Mailboxes.Select(m => m.Address));
        Assert.Contains("Certificate: sip-edge", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Key:      " + message.IdempotencyKey, mail.TextBody, StringComparison.Ordinal);
        Assert.EndsWith("@pbx.example.test", mail.MessageId, StringComparison.Ordinal);

        // The same message (a retry) has the same Message-ID; the next repeat or the resolution another.
        Assert.Equal(mail.MessageId, EmailChannel.Compose(Spec, message).MessageId);
        Assert.NotEqual(mail.MessageId, EmailChannel.Compose(Spec, message with { IdempotencyKey = message.IdempotencyKey + "x" }).MessageId);
    }

    [Fact]
    public async Task An_address_that_does_not_parse_fails_the_delivery_naming_the_fields()
    {
        var channel = new EmailChannel("mail", Spec with { From = "not an address <" }, null, null, TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<AlertDeliveryException>(() => channel.SendAsync(SnmpChannelTests.Message(), default));
        Assert.Contains("spec.email.from", e.Message, StringComparison.Ordinal);
        Assert.False(e.IsTransient);
    }
}
