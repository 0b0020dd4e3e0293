using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Renewal;

namespace Rotor.Core.Resources;

public static partial class ManifestParser
{
    private const int MaxCmpServers = 10;

    private static IssuerSpec? ParseCmpMissingBody(MappingReader spec)
    {
        spec.Error("cmp", "required", "a cmp issuer needs at least 'servers' and 'sharedSecret' (or protection: signature with a 'signer')");
        return null;
    }

    private static IssuerSpec ParseCmp(MappingReader c)
    {
        var servers = c.StringList("servers");
        if (!c.Has("servers"))
        {
            c.Error(c.Node, c.Field("servers"), "required", "'servers' is required: 1 to 10 CMP server URLs, tried round-robin");
        }
        else if (servers.Count is 0 or > MaxCmpServers)
        {
            c.Error("servers", "cmp-server-count", $"give 1 to {MaxCmpServers} CMP server URLs (found {servers.Count})");
        }
        for (var i = 0; i < servers.Count; i++)
        {
            if (!Uri.TryCreate(servers[i], UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                c.Error(c.ListItem("servers", i) ?? c.Node, $"{c.Field("servers")}[{i}]", "cmp-server-url",
                    $"'{servers[i]}' must be an absolute http:// or https:// URL, e.g. https://ca.example.com/pkix/");
            }
        }

        var protectionText = c.String("protection") ?? "sharedSecret";
        CmpProtectionMode protection;
        switch (protectionText)
        {
            case "sharedSecret": protection = CmpProtectionMode.SharedSecret; break;
            case "signature": protection = CmpProtectionMode.Signature; break;
            default:
                c.Error("protection", "cmp-protection", $"'{protectionText}' must be sharedSecret (IAK and reference) or signature (signer certificate)");
                protection = CmpProtectionMode.SharedSecret;
                break;
        }
        var sharedSecret = ParseCmpSharedSecret(c);
        var signer = ParseCmpSigner(c, "signer");
        var tlsClient = ParseCmpSigner(c, "tlsClientCertificate");
        if (protection == CmpProtectionMode.SharedSecret && sharedSecret is null && !c.Has("sharedSecret"))
        {
            c.Error(c.Node, c.Field("sharedSecret"), "required", "protection sharedSecret needs 'sharedSecret: {reference, secretRef}' (the Initial Authentication Key)");
        }
        if (protection == CmpProtectionMode.Signature && signer is null && !c.Has("signer"))
        {
            c.Error(c.Node, c.Field("signer"), "required", "protection signature needs 'signer: {certificate, privateKey}'");
        }

        var recipient = c.String("recipient");
        if (recipient is not null && !IsDistinguishedName(recipient))
        {
            c.Error("recipient", "distinguished-name", $"'{recipient}' is not a distinguished name like CN=Issuing CA, O=Example");
        }
        var subject = ParseCmpSubject(c);
        var window = ParseKurWindow(c);
        var polling = ParseCmpPolling(c);
        var batch = c.Int("batchSize") ?? 10;
        if (batch is < 1 or > 100)
        {
            c.Error("batchSize", "range", $"must be between 1 and 100 (is {batch})");
        }
        var result = new CmpIssuerSpec
        {
            Servers = servers,
            Protection = protection,
            SharedSecret = sharedSecret,
            Signer = signer,
            Subject = subject,
            Recipient = recipient,
            ServerTrust = c.String("serverTrust"),
            TrustedRoots = c.String("trustedRoots"),
            CaBundle = c.String("caBundle"),
            TlsClientCertificate = tlsClient,
            KurWindow = window,
            Polling = polling,
            ImplicitConfirm = c.Bool("implicitConfirm") ?? false,
            BatchSize = batch,
        };
        c.RejectUnknown();
        return new IssuerSpec(IssuerKind.Cmp, Cmp: result);
    }

    private static CmpSharedSecretSpec? ParseCmpSharedSecret(MappingReader c)
    {
        var s = c.Mapping("sharedSecret");
        if (s is null) return null;
        var reference = s.String("reference", required: true);
        if (s.Has("secret")) s.Error("secret", "secret-by-reference", "the shared secret is never written inline; use secretRef: {env: NAME} or {file: PATH}");
        var secret = s.SecretRef("secretRef", required: true);
        s.RejectUnknown(["secret"]);
        return reference is null || secret is null ? null : new CmpSharedSecretSpec(reference, secret);
    }

    private static CmpSignerSpec? ParseCmpSigner(MappingReader c, string field)
    {
        var s = c.Mapping(field);
        if (s is null) return null;
        var certificate = s.String("certificate", required: true);
        var privateKey = s.String("privateKey", required: true);
        s.RejectUnknown();
        return certificate is null || privateKey is null ? null : new CmpSignerSpec(certificate, privateKey);
    }

    private static CmpSubjectSpec ParseCmpSubject(MappingReader c)
    {
        var s = c.Mapping("subject");
        if (s is null) return new CmpSubjectSpec();
        var country = s.String("country");
        if (country is not null && (country.Length != 2 || !country.All(char.IsAsciiLetterUpper)))
        {
            s.Error("country", "country-code", $"'{country}' must be a two-letter ISO 3166 code in capitals, like DE");
        }
        var result = new CmpSubjectSpec
        {
            Organization = s.String("organization"),
            OrganizationalUnit = s.String("organizationalUnit"),
            Country = country,
            Province = s.String("province"),
            Locality = s.String("locality"),
        };
        s.RejectUnknown();
        return result;
    }

    private static KeyUpdateWindowSpec? ParseKurWindow(MappingReader c)
    {
        var w = c.Mapping("kurWindow");
        if (w is null) return null;
        var start = ClockTime(w, "start");
        var end = ClockTime(w, "end");
        var zone = w.String("timeZone") ?? "UTC";
        if (KeyUpdateWindow.FindZone(zone) is null)
        {
            w.Error("timeZone", "time-zone", $"'{zone}' is not a known time zone; use an IANA name like Europe/Berlin or UTC");
        }
        if (start is not null && start == end)
        {
            w.Error("end", "kur-window-empty", "start and end are the same time; leave kurWindow out to allow key updates at any time");
        }
        w.RejectUnknown();
        return start is null || end is null ? null : new KeyUpdateWindowSpec(start.Value, end.Value, zone);
    }

    private static TimeOnly? ClockTime(MappingReader w, string key)
    {
        var text = w.String(key, required: true);
        if (text is null) return null;
        if (!TimeOnly.TryParseExact(text, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            w.Error(key, "clock-time", $"'{text}' is not a time of day like 02:00 (24-hour HH:mm)");
            return null;
        }
        return time;
    }

    private static CmpPollingSpec ParseCmpPolling(MappingReader c)
    {
        var p = c.Mapping("polling");
        if (p is null) return new CmpPollingSpec();
        var defaults = new CmpPollingSpec();
        var maxPolls = p.Int("maxPolls") ?? defaults.MaxPolls;
        if (maxPolls is < 0 or > 1000)
        {
            p.Error("maxPolls", "range", $"must be between 0 and 1000 (is {maxPolls})");
        }
        var message = p.Duration("messageTimeout", ManifestLimits.MaxTimeout) ?? defaults.MessageTimeout;
        var total = p.Duration("totalTimeout", ManifestLimits.MaxTimeout) ?? defaults.TotalTimeout;
        if (message <= TimeSpan.Zero) p.Error("messageTimeout", "positive", "must be longer than 0s");
        if (total <= TimeSpan.Zero) p.Error("totalTimeout", "positive", "must be longer than 0s");
        if (message > total)
        {
            p.Error("messageTimeout", "cmp-timeouts", $"messageTimeout ({DurationParser.Format(message)}) must not exceed totalTimeout ({DurationParser.Format(total)})");
        }
        p.RejectUnknown();
        return new CmpPollingSpec { MaxPolls = maxPolls, MessageTimeout = message, TotalTimeout = total };
    }

    private static bool IsDistinguishedName(string text)
    {
        try
        {
            return new X500DistinguishedName(text).RawData.Length > 2 && text.Contains('=', StringComparison.Ordinal);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
