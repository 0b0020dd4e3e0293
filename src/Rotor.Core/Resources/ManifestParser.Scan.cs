namespace Rotor.Core.Resources;

public static partial class ManifestParser
{
    /// <summary>SRV owner names a SIP TLS service is published under (RFC 3263 §4.1, RFC 5630).</summary>
    private static readonly string[] SrvPrefixes = ["_sips._tcp.", "_sip._tls."];

    private static ScanSpec? ParseScan(MappingReader spec)
    {
        var endpoints = spec.StringList("endpoints");
        var srv = spec.StringList("srv");
        if (endpoints.Count == 0 && srv.Count == 0)
        {
            spec.Error(spec.Node, spec.Path, "required", "a scan needs 'endpoints' (host:port entries) or 'srv' (names like _sips._tcp.example.test), or both");
        }
        foreach (var (key, list) in new[] { ("endpoints", endpoints), ("srv", srv) })
        {
            if (list.Count > ScanSpec.MaxEntries) spec.Error(key, "list-size", $"holds {list.Count} entries; at most {ScanSpec.MaxEntries}");
        }
        long total = 0;
        for (var i = 0; i < endpoints.Count && i < ScanSpec.MaxEntries; i++)
        {
            if (ScanTargets.TryCount(endpoints[i], out var n) is { } bad)
            {
                spec.Error(spec.ListItem("endpoints", i) ?? spec.Node, $"{spec.Field("endpoints")}[{i}]", "host-port", bad);
            }
            else if ((total += n) > ScanTargets.MaxExpansion)
            {
                spec.Error(spec.ListItem("endpoints", i) ?? spec.Node, $"{spec.Field("endpoints")}[{i}]", "scan-size",
                    $"the entries up to this one expand to {total} endpoints; a scan covers at most {ScanTargets.MaxExpansion} (split it into several scans)");
                break;
            }
        }
        for (var i = 0; i < srv.Count && i < ScanSpec.MaxEntries; i++)
        {
            var name = srv[i].TrimEnd('.');
            if (!SrvPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)) || name.Length > 253
                || Uri.CheckHostName(name.TrimStart('_').Replace("._", ".", StringComparison.Ordinal)) != UriHostNameType.Dns)
            {
                spec.Error(spec.ListItem("srv", i) ?? spec.Node, $"{spec.Field("srv")}[{i}]", "srv-name",
                    $"'{ManifestErrorList.Printable(srv[i])}' is not a SIP TLS SRV name; write _sips._tcp.DOMAIN or _sip._tls.DOMAIN");
            }
        }
        var interval = spec.Duration("interval", max: TimeSpan.FromDays(30)) ?? ScanSpec.DefaultInterval;
        if (interval < TimeSpan.FromMinutes(1)) spec.Error("interval", "duration-range", "scan at most once a minute (1m or longer)");
        var timeout = Timeout(spec, "timeout") ?? ScanSpec.DefaultTimeout;
        if (timeout > TimeSpan.FromMinutes(1)) spec.Error("timeout", "duration-range", "one check of one endpoint may take at most 1m");
        var concurrency = spec.Int("concurrency") ?? ScanSpec.DefaultConcurrency;
        if (concurrency is < 1 or > ScanSpec.MaxConcurrency) spec.Error("concurrency", "range", $"must be between 1 and {ScanSpec.MaxConcurrency}");
        var sni = spec.String("sni");
        if (sni is not null && !HostPort.IsDnsName(sni)) spec.Error("sni", "host-name", $"'{ManifestErrorList.Printable(sni)}' is not a DNS name");
        var result = new ScanSpec(endpoints, srv)
        {
            Interval = interval,
            Timeout = timeout,
            Concurrency = concurrency,
            Sip = spec.Bool("sip") ?? false,
            Sni = sni,
            CaBundle = spec.String("caBundle"),
        };
        spec.RejectUnknown();
        return result;
    }
}
