using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Rotor.Core.Alerts;
using Rotor.Core.Resources;

namespace Rotor.Alerts.Channels;

/// <summary>
/// A JSON POST per message. <c>generic</c> carries the whole alert; <c>slack</c> and <c>teams</c>
/// shape it for those incoming webhooks. Every request has an <c>Idempotency-Key</c> header (the
/// message's key: a receiver drops a second delivery of it) and, when a key is configured, an
/// <c>X-Rotor-Signature: sha256=HEX</c> header: HMAC-SHA256 of the raw body with that key, so the
/// receiver can check who sent it. The key never leaves this object.
/// </summary>
public sealed class WebhookChannel(string name, WebhookNotifierSpec spec, HttpClient http, byte[]? hmacKey) : IAlertChannel
{
    public const string SignatureHeader = "X-Rotor-Signature";
    public const string IdempotencyHeader = "Idempotency-Key";

    public string Name => name;

    public async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var body = spec.Format switch
        {
            WebhookFormat.Slack => Slack(message),
            WebhookFormat.Teams => Teams(message),
            _ => Generic(message),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, spec.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(IdempotencyHeader, message.IdempotencyKey);
        if (hmacKey is not null) request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(hmacKey, body));
        await HttpDelivery.PostAsync(http, name, request, cancellationToken);
    }

    public static string Sign(byte[] key, byte[] body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body));

    public static byte[] Generic(OutboxMessage m) => Write(json =>
    {
        var a = m.Alert;
        json.WriteStartObject();
        json.WriteString("version", "1");
        json.WriteString("idempotencyKey", m.IdempotencyKey);
        json.WriteString("status", m.Kind == AlertNotificationKind.Resolved ? "resolved" : "firing");
        json.WriteString("sentFor", m.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        json.WriteStartObject("alert");
        json.WriteString("key", a.Key);
        json.WriteString("rule", a.Rule);
        json.WriteString("severity", a.Severity.ToString().ToLowerInvariant());
        json.WriteString("stage", a.Stage);
        json.WriteString("summary", a.Summary);
        json.WriteString("description", a.Description);
        json.WriteString("firingSince", a.FiringSince.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        if (a.ResolvedAt is { } r) json.WriteString("resolvedAt", r.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        json.WriteNumber("notifications", a.Notifications);
        json.WriteStartObject("labels");
        foreach (var (key, value) in a.Labels.OrderBy(l => l.Key, StringComparer.Ordinal)) json.WriteString(key, value);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    });

    /// <summary>Slack incoming webhook: a <c>text</c> fallback and one section block.</summary>
    public static byte[] Slack(OutboxMessage m) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("text", AlertText.Subject(m));
        json.WriteStartArray("blocks");
        json.WriteStartObject();
        json.WriteString("type", "section");
        json.WriteStartObject("text");
        json.WriteString("type", "mrkdwn");
        json.WriteString("text", $"*{AlertText.Subject(m)}*\n{AlertText.Body(m)}");
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    });

    /// <summary>Teams (Workflows) incoming webhook: a message with one Adaptive Card.</summary>
    public static byte[] Teams(OutboxMessage m) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("type", "message");
        json.WriteStartArray("attachments");
        json.WriteStartObject();
        json.WriteString("contentType", "application/vnd.microsoft.card.adaptive");
        json.WriteStartObject("content");
        json.WriteString("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
        json.WriteString("type", "AdaptiveCard");
        json.WriteString("version", "1.4");
        json.WriteStartArray("body");
        json.WriteStartObject();
        json.WriteString("type", "TextBlock");
        json.WriteString("weight", "Bolder");
        json.WriteString("wrap", "true");
        json.WriteString("text", AlertText.Subject(m));
        json.WriteEndObject();
        json.WriteStartObject();
        json.WriteString("type", "TextBlock");
        json.WriteString("wrap", "true");
        json.WriteString("text", AlertText.Body(m));
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    });

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer)) write(json);
        return buffer.ToArray();
    }
}
