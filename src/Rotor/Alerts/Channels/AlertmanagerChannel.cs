using System.Net.Http.Headers;
using System.Text.Json;
using Rotor.Core.Alerts;
using Rotor.Core.Resources;

namespace Rotor.Alerts.Channels;

/// <summary>
/// Posts to Prometheus Alertmanager's v2 API (<c>POST /api/v2/alerts</c>, a list of
/// <c>postableAlert</c>: labels, annotations, startsAt, endsAt), so Alertmanager's own routing,
/// grouping, silences and inhibition apply. A firing alert's endsAt lies past Rotor's next repeat of
/// it: while Rotor keeps telling, Alertmanager keeps it firing; if Rotor stops, it resolves by
/// itself. A resolved alert is sent with endsAt = the time it resolved.
/// </summary>
public sealed class AlertmanagerChannel(string name, AlertmanagerNotifierSpec spec, HttpClient http, string? authorization) : IAlertChannel
{
    public string Name => name;

    /// <summary>How long past a firing message Alertmanager keeps the alert without hearing again.</summary>
    public static TimeSpan FiringValidity(OutboxMessage m) => (m.RepeatAfter ?? TimeSpan.FromHours(24)) * 2 + TimeSpan.FromMinutes(5);

    public async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var url = new Uri(new Uri(spec.Url.TrimEnd('/') + "/"), "api/v2/alerts");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(Body(message)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        await HttpDelivery.PostAsync(http, name, request, cancellationToken);
    }

    public static byte[] Body(OutboxMessage m)
    {
        var a = m.Alert;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteStartObject();
            json.WriteStartObject("labels");
            foreach (var (key, value) in a.Labels.OrderBy(l => l.Key, StringComparer.Ordinal)) json.WriteString(key, value);
            json.WriteString("severity", a.Severity.ToString().ToLowerInvariant());
            json.WriteString("rotor_alert", a.Key);
            json.WriteEndObject();
            json.WriteStartObject("annotations");
            json.WriteString("summary", a.Summary);
            json.WriteString("description", a.Description);
            if (a.Stage.Length > 0) json.WriteString("stage", a.Stage);
            json.WriteEndObject();
            json.WriteString("startsAt", a.FiringSince.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            var ends = m.Kind == AlertNotificationKind.Resolved ? a.ResolvedAt ?? m.CreatedAt : m.CreatedAt + FiringValidity(m);
            json.WriteString("endsAt", ends.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteEndObject();
            json.WriteEndArray();
        }
        return buffer.ToArray();
    }
}
