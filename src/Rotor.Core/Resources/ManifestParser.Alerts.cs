using Rotor.Core.Alerts;

namespace Rotor.Core.Resources;

public static partial class ManifestParser
{
    private static readonly string[] NotifierKinds = ["alertmanager", "webhook", "email", "snmp"];

    private static NotifierSpec? ParseNotifier(MappingReader spec)
    {
        var timeout = spec.Duration("timeout", max: TimeSpan.FromMinutes(5)) ?? NotifierSpec.DefaultTimeout;
        if (timeout <= TimeSpan.Zero) spec.Error("timeout", "duration-range", "must be longer than 0s");
        var kind = OneKind(spec, NotifierKinds, "Notifier", alsoAllowed: ["timeout"]);
        if (kind is null) return null;
        var body = kind.Value.Body;
        if (body is null)
        {
            spec.Error(kind.Value.Key, "required", $"a {kind.Value.Key} notifier needs its settings");
            return null;
        }
        NotifierSpec? result = kind.Value.Key switch
        {
            "alertmanager" => new NotifierSpec(NotifierKind.Alertmanager)
            {
                Alertmanager = new AlertmanagerNotifierSpec(HttpUrl(body, "url"))
                {
                    AuthSecretRef = body.SecretRef("authSecretRef"),
                    CaBundle = body.String("caBundle"),
                },
            },
            "webhook" => new NotifierSpec(NotifierKind.Webhook)
            {
                Webhook = new WebhookNotifierSpec(HttpUrl(body, "url"), EnumValue<WebhookFormat>(body, "format", WebhookFormat.Generic))
                {
                    SecretRef = body.SecretRef("secretRef"),
                    CaBundle = body.String("caBundle"),
                },
            },
            "email" => ParseEmail(body),
            _ => ParseSnmp(body),
        };
        body.RejectUnknown();
        return result is null ? null : result with { Timeout = timeout };
    }

    private static NotifierSpec ParseEmail(MappingReader e)
    {
        var host = e.String("host", required: true) ?? "";
        var security = EnumValue<SmtpSecurity>(e, "security", SmtpSecurity.StartTls);
        var port = Port(e, "port", security == SmtpSecurity.Tls ? 465 : 587);
        var from = e.String("from", required: true) ?? "";
        if (from.Length > 0 && !from.Contains('@', StringComparison.Ordinal)) e.Error("from", "email", $"'{ManifestErrorList.Printable(from)}' is not an email address");
        var to = e.StringList("to");
        if (to.Count == 0) e.Error(e.Node, e.Field("to"), "required", "'to' needs at least one address");
        for (var i = 0; i < to.Count; i++)
        {
            if (!to[i].Contains('@', StringComparison.Ordinal)) e.Error(e.ListItem("to", i) ?? e.Node, $"{e.Field("to")}[{i}]", "email", $"'{ManifestErrorList.Printable(to[i])}' is not an email address");
        }
        var username = e.String("username");
        var password = e.SecretRef("passwordRef");
        if ((username is null) != (password is null))
        {
            e.Error(e.Node, e.Path, "smtp-auth-pair", "give both 'username' and 'passwordRef' for SMTP authentication, or neither");
        }
        if (password is not null && security == SmtpSecurity.None)
        {
            e.Error("security", "smtp-auth-tls", "SMTP authentication is sent only over TLS: use security startTls or tls");
        }
        return new NotifierSpec(NotifierKind.Email)
        {
            Email = new EmailNotifierSpec(host, port, from, to) { Security = security, Username = username, PasswordRef = password, CaBundle = e.String("caBundle") },
        };
    }

    private static NotifierSpec ParseSnmp(MappingReader s)
    {
        var host = s.String("host", required: true) ?? "";
        var port = Port(s, "port", 162);
        var community = s.SecretRef("communityRef", required: true);
        return new NotifierSpec(NotifierKind.Snmp)
        {
            Snmp = new SnmpNotifierSpec(host, port, community ?? new SecretRef("", null)) { Inform = s.Bool("inform") ?? false },
        };
    }

    private static AlertingSpec ParseAlerting(MappingReader spec)
    {
        var defaults = new AlertPolicy();
        var thresholds = DayThresholds(spec, "expiryThresholds") ?? defaults.ThresholdDays;
        var critical = spec.Duration("criticalWithin", max: TimeSpan.FromDays(3650));
        var failures = spec.Int("renewalFailures") ?? defaults.RenewalFailuresBeforeAlert;
        if (failures is < 1 or > 1000) spec.Error("renewalFailures", "range", "must be between 1 and 1000");
        var policy = defaults with { ThresholdDays = thresholds, RenewalFailuresBeforeAlert = failures };
        if (critical is { } c) policy = policy with { CriticalBelowDays = (int)Math.Ceiling(c.TotalDays) };
        if (spec.Mapping("repeat") is { } repeat)
        {
            policy = policy with
            {
                RepeatCritical = Repeat(repeat, "critical") ?? policy.RepeatCritical,
                RepeatWarning = Repeat(repeat, "warning") ?? policy.RepeatWarning,
                RepeatInfo = Repeat(repeat, "info") ?? policy.RepeatInfo,
            };
            repeat.RejectUnknown();
        }
        var routes = new List<AlertRoute>();
        foreach (var r in spec.MappingList("routes"))
        {
            var notifiers = r.StringList("notifiers");
            if (notifiers.Count == 0) r.Error(r.Node, r.Field("notifiers"), "required", "a route names at least one notifier");
            var severities = new List<AlertSeverity>();
            var words = r.StringList("severities");
            for (var i = 0; i < words.Count; i++)
            {
                if (System.Enum.TryParse<AlertSeverity>(words[i], ignoreCase: true, out var sv)) severities.Add(sv);
                else r.Error(r.ListItem("severities", i) ?? r.Node, $"{r.Field("severities")}[{i}]", "known-value", $"'{ManifestErrorList.Printable(words[i])}' is not a severity; use critical, warning or info");
            }
            var match = new Dictionary<string, string>(StringComparer.Ordinal);
            if (r.Mapping("match") is { } m)
            {
                foreach (var label in m.Keys.ToList())
                {
                    if (m.String(label) is { } value) match[label] = value;
                }
            }
            r.RejectUnknown();
            routes.Add(new AlertRoute(notifiers) { Severities = severities, Match = match });
        }
        spec.RejectUnknown();
        return new AlertingSpec { Policy = policy, Routes = routes };
    }

    /// <summary>A list of durations in whole days (<c>[30d, 14d, 7d]</c>), returned in days, descending.</summary>
    private static IReadOnlyList<int>? DayThresholds(MappingReader spec, string key)
    {
        if (!spec.Has(key)) return null;
        var words = spec.StringList(key);
        var days = new List<int>();
        for (var i = 0; i < words.Count; i++)
        {
            if (DurationParser.TryParse(words[i], out var d) && d >= TimeSpan.FromDays(1) && d <= TimeSpan.FromDays(3650) && d.Ticks % TimeSpan.TicksPerDay == 0)
            {
                days.Add((int)d.TotalDays);
            }
            else
            {
                spec.Error(spec.ListItem(key, i) ?? spec.Node, $"{spec.Field(key)}[{i}]", "threshold-days", $"'{ManifestErrorList.Printable(words[i])}' must be a whole number of days between 1d and 3650d, like 30d");
            }
        }
        if (days.Count == 0 && words.Count == 0) spec.Error(key, "required", "give at least one threshold, like [30d, 7d]");
        return [.. days.Distinct().OrderDescending()];
    }

    private static TimeSpan? Repeat(MappingReader repeat, string severity)
    {
        var value = repeat.Duration(severity, max: TimeSpan.FromDays(30));
        if (value is { } v && v < TimeSpan.FromMinutes(1))
        {
            repeat.Error(severity, "duration-range", "repeat at most once a minute (1m or longer)");
            return null;
        }
        return value;
    }

    private static string HttpUrl(MappingReader body, string key)
    {
        var url = body.String(key, required: true) ?? "";
        if (url.Length > 0 && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            body.Error(key, "url", $"'{ManifestErrorList.Printable(url)}' must be an absolute http:// or https:// URL");
        }
        return url;
    }

    private static int Port(MappingReader body, string key, int fallback)
    {
        var port = body.Int(key) ?? fallback;
        if (port is < 1 or > 65535)
        {
            body.Error(key, "port-range", "must be between 1 and 65535");
            return fallback;
        }
        return port;
    }

    private static T EnumValue<T>(MappingReader body, string key, T fallback) where T : struct, System.Enum
    {
        var word = body.String(key);
        if (word is null) return fallback;
        if (System.Enum.TryParse<T>(word, ignoreCase: true, out var value) && !int.TryParse(word, out _)) return value;
        body.Error(key, "known-value", $"'{ManifestErrorList.Printable(word)}' is not one of: {string.Join(", ", System.Enum.GetNames<T>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}");
        return fallback;
    }
}
