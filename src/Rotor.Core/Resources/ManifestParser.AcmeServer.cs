using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Rotor.Core.Resources;

public static partial class ManifestParser
{
    /// <summary>Entries in each policy list and in validation.hosts.</summary>
    private const int MaxAcmeServerEntries = 1024;

    private static AcmeServerSpec? ParseAcmeServer(MappingReader spec)
    {
        var listen = AcmeServerListen(spec);
        string? issuerRef = null;
        if (spec.Mapping("issuerRef", required: true) is { } reference)
        {
            issuerRef = reference.String("name", required: true);
            reference.RejectUnknown();
        }
        var serverNames = spec.StringList("serverNames");
        for (var i = 0; i < serverNames.Count; i++)
        {
            if (HostPort.CheckHost(serverNames[i]) is { } bad)
            {
                spec.Error(spec.ListItem("serverNames", i) ?? spec.Node, $"{spec.Field("serverNames")}[{i}]", "host-name", bad);
            }
        }
        if (listen is not null && IPEndPoint.TryParse(listen, out var at) && (at.Address.Equals(IPAddress.Any) || at.Address.Equals(IPAddress.IPv6Any)) && serverNames.Count == 0)
        {
            spec.Error("listen", "server-names", $"{listen} listens on every address; name the server in 'serverNames' (the names devices reach it by), so its HTTPS certificate carries them");
        }
        var policy = spec.Mapping("policy") is { } p ? ParseAcmeServerPolicy(p) : new AcmeServerPolicy();
        var validation = spec.Mapping("validation") is { } v ? ParseAcmeServerValidation(v) : new AcmeServerValidation();
        var eab = spec.Bool("externalAccountRequired") ?? true;
        spec.RejectUnknown();
        return new AcmeServerSpec
        {
            Listen = listen ?? AcmeServerSpec.DefaultListen,
            IssuerRef = issuerRef ?? "",
            ServerNames = serverNames,
            Policy = policy,
            Validation = validation,
            ExternalAccountRequired = eab,
        };
    }

    /// <summary>An IP address, with a port or without (then <see cref="AcmeServerSpec.DefaultPort"/>); returned as address:port.</summary>
    private static string? AcmeServerListen(MappingReader spec)
    {
        var text = spec.String("listen");
        if (text is null) return null;
        if (IPAddress.TryParse(text.Trim('[', ']'), out var bare) && !(text.Contains(']', StringComparison.Ordinal) && text.Contains("]:", StringComparison.Ordinal)))
        {
            return new IPEndPoint(bare, AcmeServerSpec.DefaultPort).ToString();
        }
        if (!IPEndPoint.TryParse(text, out var endpoint) || HostPort.TryParse(text, out _, out _) is not null)
        {
            spec.Error("listen", "listen-address", $"'{ManifestErrorList.Printable(text)}' is not an IP address with an optional port, like 127.0.0.1:{AcmeServerSpec.DefaultPort}, 10.0.0.5 or [::1]:8555");
            return null;
        }
        return endpoint.ToString();
    }

    private static AcmeServerPolicy ParseAcmeServerPolicy(MappingReader policy)
    {
        var dnsNames = policy.StringList("dnsNames");
        for (var i = 0; i < dnsNames.Count && i < MaxAcmeServerEntries; i++)
        {
            if (CheckDnsRule(dnsNames[i]) is { } bad)
            {
                policy.Error(policy.ListItem("dnsNames", i) ?? policy.Node, $"{policy.Field("dnsNames")}[{i}]", "dns-name-rule", bad);
            }
        }
        var ipRanges = policy.StringList("ipRanges");
        for (var i = 0; i < ipRanges.Count && i < MaxAcmeServerEntries; i++)
        {
            if (!IsCidr(ipRanges[i]))
            {
                policy.Error(policy.ListItem("ipRanges", i) ?? policy.Node, $"{policy.Field("ipRanges")}[{i}]", "cidr",
                    $"'{ManifestErrorList.Printable(ipRanges[i])}' is not a CIDR range like 10.0.0.0/8 or 2001:db8::/32 (no host bits set)");
            }
        }
        foreach (var (key, list) in new[] { ("dnsNames", dnsNames), ("ipRanges", ipRanges) })
        {
            if (list.Count > MaxAcmeServerEntries) policy.Error(key, "list-size", $"holds {list.Count} entries; at most {MaxAcmeServerEntries}");
        }
        var keyTypes = policy.StringList("keyTypes");
        for (var i = 0; i < keyTypes.Count; i++)
        {
            if (!AcmeServerPolicy.KnownKeyTypes.Contains(keyTypes[i], StringComparer.Ordinal))
            {
                policy.Error(policy.ListItem("keyTypes", i) ?? policy.Node, $"{policy.Field("keyTypes")}[{i}]", "key-type",
                    $"'{ManifestErrorList.Printable(keyTypes[i])}' is not a key type; use {string.Join(", ", AcmeServerPolicy.KnownKeyTypes)}");
            }
        }
        if (policy.Has("keyTypes") && keyTypes.Count == 0) policy.Error("keyTypes", "required", "name at least one key type, or leave keyTypes out to allow them all");
        var maxDuration = policy.Duration("maxDuration") ?? AcmeServerPolicy.DefaultMaxDuration;
        if (maxDuration < TimeSpan.FromHours(1)) policy.Error("maxDuration", "duration-range", "must be at least 1h");
        var rate = policy.String("ratePerAccount") is { } r ? ParseRate(policy, r) : null;
        policy.RejectUnknown();
        return new AcmeServerPolicy
        {
            DnsNames = dnsNames,
            IpRanges = ipRanges,
            KeyTypes = keyTypes.Count > 0 ? keyTypes.Distinct(StringComparer.Ordinal).ToList() : AcmeServerPolicy.KnownKeyTypes,
            MaxDuration = maxDuration,
            RatePerAccount = rate,
        };
    }

    /// <summary>address/prefix with no host bits set (10.0.0.0/8, not 10.0.0.1/8, which is ambiguous about what was meant).</summary>
    private static bool IsCidr(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && IPNetwork.TryParse(text, out var network) && IPAddress.TryParse(text[..slash], out var address) && network.BaseAddress.Equals(address);
    }

    /// <summary><c>.suffix</c>, an exact name (optionally <c>*.name</c>) or <c>regex:PATTERN</c> that compiles.</summary>
    private static string? CheckDnsRule(string rule)
    {
        if (rule.StartsWith("regex:", StringComparison.Ordinal))
        {
            var pattern = rule["regex:".Length..];
            if (pattern.Length == 0) return "'regex:' needs a pattern after it";
            if (pattern.Length > 1000) return $"the pattern is {pattern.Length} characters long; at most 1000";
            try
            {
                _ = new Regex($"^(?:{pattern})$", RegexOptions.None, TimeSpan.FromMilliseconds(100));
                return null;
            }
            catch (ArgumentException e)
            {
                return $"'{ManifestErrorList.Printable(pattern)}' is not a regular expression ({e.Message})";
            }
        }
        var name = rule.StartsWith('.') ? rule[1..] : rule.StartsWith("*.", StringComparison.Ordinal) ? rule[2..] : rule;
        return name.Length is > 0 and <= 253 && HostPort.IsDnsName(name)
            ? null
            : $"'{ManifestErrorList.Printable(rule)}' is not a DNS name rule; write .suffix.example (names below it), name.example (that name) or regex:PATTERN";
    }

    /// <summary><c>COUNT/PERIOD</c>: 50/h, 10/1m, 500/24h.</summary>
    private static AcmeRate? ParseRate(MappingReader policy, string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0
            && int.TryParse(text[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1
            && DurationParser.TryParse(char.IsAsciiDigit(text.ElementAtOrDefault(slash + 1)) ? text[(slash + 1)..] : "1" + text[(slash + 1)..], out var period, out _)
            && period >= TimeSpan.FromSeconds(1) && period <= TimeSpan.FromDays(31))
        {
            return new AcmeRate(count, period);
        }
        policy.Error("ratePerAccount", "rate", $"'{ManifestErrorList.Printable(text)}' is not a rate; write COUNT/PERIOD like 50/h, 10/1m or 500/24h (a count of at least 1, a period from 1s to 31d)");
        return null;
    }

    private static AcmeServerValidation ParseAcmeServerValidation(MappingReader validation)
    {
        var hosts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (validation.Mapping("hosts") is { } map)
        {
            foreach (var name in map.Keys.Take(MaxAcmeServerEntries + 1).ToList())
            {
                var address = map.String(name, required: true);
                if (!HostPort.IsDnsName(name))
                {
                    map.Error(name, "host-name", $"'{ManifestErrorList.Printable(name)}' is not a DNS name");
                }
                else if (address is not null && !IPAddress.TryParse(address, out _))
                {
                    map.Error(name, "ip-address", $"'{ManifestErrorList.Printable(address)}' is not an IP address (validation.hosts maps a name to the address http-01 connects to)");
                }
                else if (address is not null)
                {
                    hosts[name] = address;
                }
            }
            if (map.Keys.Count() > MaxAcmeServerEntries) validation.Error("hosts", "list-size", $"holds more than {MaxAcmeServerEntries} names");
        }
        var port = validation.Int("http01Port") ?? 80;
        if (port is < 1 or > 65535) validation.Error("http01Port", "range", "must be a port from 1 to 65535");
        var resolvers = validation.StringList("dnsResolvers");
        for (var i = 0; i < resolvers.Count; i++)
        {
            var ok = IPAddress.TryParse(resolvers[i], out _) || (IPEndPoint.TryParse(resolvers[i], out var ep) && ep.Port > 0 && HostPort.TryParse(resolvers[i], out _, out _) is null);
            if (!ok)
            {
                validation.Error(validation.ListItem("dnsResolvers", i) ?? validation.Node, $"{validation.Field("dnsResolvers")}[{i}]", "resolver-address",
                    $"'{ManifestErrorList.Printable(resolvers[i])}' is not an IP address with an optional port, like 127.0.0.1:5353 or 192.0.2.53");
            }
        }
        var timeout = Timeout(validation, "timeout") ?? AcmeServerValidation.DefaultTimeout;
        if (timeout > TimeSpan.FromMinutes(1)) validation.Error("timeout", "duration-range", "one validation may take at most 1m");
        validation.RejectUnknown();
        return new AcmeServerValidation { Hosts = hosts, Http01Port = port, DnsResolvers = resolvers, Timeout = timeout };
    }
}
