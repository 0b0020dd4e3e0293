using System.Net;

namespace Rotor.Core.Resources;

public static partial class ManifestParser
{
    private static readonly TimeSpan MinimumDuration = TimeSpan.FromHours(1);

    private static CertificateSpec? ParseCertificate(MappingReader s)
    {
        var names = ParseSubjectNames(s);
        var (duration, renewBefore, percentage) = ParseRenewal(s);
        var privateKey = ParsePrivateKey(s);
        var usages = ParseUsages(s);
        var issuerName = ParseIssuerRef(s);
        var deploy = ParseDeploy(s);
        var rotation = ParseRotation(s);
        var alerts = ParseCertificateAlerts(s);
        s.String("secretName"); // cert-manager's field; accepted so cert-manager manifests read, not used
        s.RejectUnknown();

        return new CertificateSpec
        {
            CommonName = names.CommonName,
            DnsNames = names.DnsNames,
            IpAddresses = names.IpAddresses,
            Uris = names.Uris,
            Duration = duration,
            RenewBefore = renewBefore,
            RenewBeforePercentage = percentage,
            PrivateKey = privateKey,
            Usages = usages.Count > 0 ? usages : CertificateSpec.DefaultUsages,
            IssuerRef = issuerName ?? "",
            Deploy = deploy,
            Rotation = rotation,
            Alerts = alerts,
        };
    }

    /// <summary><c>alerts: {expiryThresholds: [30d, 7d]}</c>: this certificate's own expiry warnings, instead of the Alerting resource's.</summary>
    private static CertificateAlertsSpec? ParseCertificateAlerts(MappingReader s)
    {
        var a = s.Mapping("alerts");
        if (a is null) return null;
        var thresholds = DayThresholds(a, "expiryThresholds");
        a.RejectUnknown();
        return new CertificateAlertsSpec { ExpiryThresholdDays = thresholds };
    }

    private sealed record SubjectNames(string? CommonName, IReadOnlyList<string> DnsNames, IReadOnlyList<string> IpAddresses, IReadOnlyList<string> Uris);

    /// <summary>commonName, dnsNames, ipAddresses and uris, each checked; at least one must be given.</summary>
    private static SubjectNames ParseSubjectNames(MappingReader s)
    {
        var commonName = s.String("commonName");
        if (commonName is not null && commonName.Length > 64)
        {
            s.Error("commonName", "common-name-length", "at most 64 characters (X.520 upper bound); put long names in dnsNames");
        }
        var dnsNames = ParseNameList(s, "dnsNames", "dns-name", ResourceNames.IsValidDnsName,
            n => $"'{n}' is not a valid DNS name (labels of letters, digits and '-', each at most 63 characters, a '*.' only in front)");
        var ips = ParseNameList(s, "ipAddresses", "ip-address", n => IPAddress.TryParse(n, out _), n => $"'{n}' is not an IPv4 or IPv6 address");
        var uris = ParseNameList(s, "uris", "uri", n => Uri.TryCreate(n, UriKind.Absolute, out _), n => $"'{n}' is not an absolute URI (e.g. sip:edge.example.test)");
        if (commonName is null && dnsNames.Count == 0 && ips.Count == 0 && uris.Count == 0)
        {
            s.Error(s.Node, s.Path, "has-name", "a certificate needs at least one of commonName, dnsNames, ipAddresses or uris");
        }
        return new SubjectNames(commonName, dnsNames, ips, uris);
    }

    /// <summary>A list of strings whose every item must pass <paramref name="valid"/>; each bad item is an error at its line.</summary>
    private static IReadOnlyList<string> ParseNameList(MappingReader s, string key, string rule, Func<string, bool> valid, Func<string, string> message)
    {
        var items = s.StringList(key);
        for (var i = 0; i < items.Count; i++)
        {
            if (!valid(items[i])) s.Error(s.ListItem(key, i) ?? s.Node, $"{s.Field(key)}[{i}]", rule, message(items[i]));
        }
        return items;
    }

    private static (TimeSpan Duration, TimeSpan? RenewBefore, int? Percentage) ParseRenewal(MappingReader s)
    {
        var duration = s.Duration("duration") ?? CertificateSpec.DefaultDuration;
        if (duration < MinimumDuration)
        {
            s.Error("duration", "duration-minimum", $"must be at least {DurationParser.Format(MinimumDuration)}");
        }
        var renewBefore = s.Duration("renewBefore");
        var percentage = s.Int("renewBeforePercentage");
        if (renewBefore is not null && percentage is not null)
        {
            s.Error("renewBeforePercentage", "renew-before-exclusive", "set either renewBefore or renewBeforePercentage, not both");
        }
        if (renewBefore is { } rb && (rb <= TimeSpan.Zero || rb >= duration))
        {
            s.Error("renewBefore", "renew-before-less-than-duration",
                $"renewBefore ({DurationParser.Format(rb)}) must be greater than 0 and less than duration ({DurationParser.Format(duration)})");
        }
        if (percentage is { } p && (p < 1 || p > 99))
        {
            s.Error("renewBeforePercentage", "renew-before-percentage-range", "must be between 1 and 99");
        }
        return (duration, renewBefore, percentage);
    }

    private static IReadOnlyList<string> ParseUsages(MappingReader s)
    {
        var usages = ParseNameList(s, "usages", "known-usage", Usages.Known.Contains, u => $"unknown usage '{u}'; use one of: {string.Join(", ", Usages.Known)}");
        if (usages.Count > 0 && !usages.Contains(Usages.ServerAuth) && !usages.Contains(Usages.ClientAuth))
        {
            s.Error("usages", "tls-usage", "a SIP TLS certificate needs 'server auth' or 'client auth'");
        }
        return usages;
    }

    /// <summary>The issuer's name from <c>issuerRef</c> (required), whose kind, if given, must be Issuer.</summary>
    private static string? ParseIssuerRef(MappingReader s)
    {
        var issuerRef = s.Mapping("issuerRef", required: true);
        if (issuerRef is null) return null;
        var issuerName = issuerRef.String("name", required: true);
        var kind = issuerRef.String("kind");
        if (kind is not null && kind != ResourceKinds.Issuer)
        {
            issuerRef.Error("kind", "issuer-ref-kind", $"'{kind}' is not a kind of issuer; use Issuer");
        }
        issuerRef.String("group");
        issuerRef.RejectUnknown();
        return issuerName;
    }

    private static List<DeployBinding> ParseDeploy(MappingReader s)
    {
        var deploy = new List<DeployBinding>();
        foreach (var d in s.MappingList("deploy"))
        {
            var target = d.String("target", required: true);
            var path = d.String("path");
            var endpoints = d.StringList("endpoints");
            var roleText = d.String("role") ?? "leaf";
            var role = roleText switch { "leaf" => DeployRole.Leaf, "trust" => DeployRole.Trust, _ => (DeployRole?)null };
            if (role is null) d.Error("role", "deploy-role", $"'{roleText}' must be leaf (the target presents the certificate) or trust (the target only trusts its CA)");
            var group = d.String("group");
            if (group is not null && !ResourceNames.IsValid(group)) d.Error("group", "resource-name", $"'{group}' is not a valid group name");
            if (role == DeployRole.Trust && endpoints.Count > 0) d.Error("endpoints", "trust-endpoints", "a trust target presents no certificate of its own, so it has no endpoints to probe");
            d.RejectUnknown();
            if (target is not null)
            {
                deploy.Add(new DeployBinding(target, path, endpoints) { Role = role ?? DeployRole.Leaf, Group = group });
            }
        }
        foreach (var dup in deploy.GroupBy(d => d.Target).Where(g => g.Count() > 1))
        {
            s.Error("deploy", "deploy-unique-target", $"target '{dup.Key}' is listed more than once");
        }
        return deploy;
    }

    private static PrivateKeySpec ParsePrivateKey(MappingReader s)
    {
        var k = s.Mapping("privateKey");
        if (k is null) return new PrivateKeySpec();
        var algorithmText = k.String("algorithm") ?? "ECDSA";
        KeyAlgorithm algorithm;
        switch (algorithmText.ToUpperInvariant())
        {
            case "ECDSA": algorithm = KeyAlgorithm.Ecdsa; break;
            case "RSA": algorithm = KeyAlgorithm.Rsa; break;
            case "ED25519":
                k.Error("algorithm", "key-algorithm-supported", "Ed25519 is not supported yet (SIP peers rarely accept it); use ECDSA or RSA");
                algorithm = KeyAlgorithm.Ed25519;
                break;
            default:
                k.Error("algorithm", "key-algorithm", $"unknown algorithm '{algorithmText}'; use ECDSA or RSA");
                algorithm = KeyAlgorithm.Ecdsa;
                break;
        }
        var size = k.Int("size") ?? (algorithm == KeyAlgorithm.Rsa ? 2048 : 256);
        if (algorithm == KeyAlgorithm.Rsa && size < 2048)
        {
            k.Error("size", "rsa-min-size", $"RSA keys must be at least 2048 bits (got {size})");
        }
        else if (algorithm == KeyAlgorithm.Rsa && size is not (2048 or 3072 or 4096))
        {
            k.Error("size", "rsa-size", $"RSA size must be 2048, 3072 or 4096 (got {size})");
        }
        else if (algorithm == KeyAlgorithm.Ecdsa && size is not (256 or 384))
        {
            k.Error("size", "ecdsa-size", $"ECDSA size must be 256 (P-256) or 384 (P-384) (got {size})");
        }
        var policyText = k.String("rotationPolicy") ?? "Always";
        RotationPolicy policy = RotationPolicy.Always;
        if (!Enum.TryParse(policyText, ignoreCase: false, out policy))
        {
            k.Error("rotationPolicy", "rotation-policy", $"'{policyText}' must be Always or Never");
        }
        k.String("encoding"); // cert-manager's PKCS1/PKCS8; Rotor always writes PKCS#8
        k.RejectUnknown();
        return new PrivateKeySpec { Algorithm = algorithm, Size = size, RotationPolicy = policy };
    }

    private static RotationSpec ParseRotation(MappingReader s)
    {
        var r = s.Mapping("rotation");
        if (r is null) return new RotationSpec();
        var defaults = new RotationSpec();
        var overlap = r.Duration("overlap") ?? defaults.Overlap;
        var waveSize = r.Int("waveSize") ?? defaults.WaveSize;
        if (waveSize < 1) r.Error("waveSize", "wave-size", "must be at least 1 (targets rotated at once)");
        var stagger = r.Duration("stagger") ?? defaults.Stagger;
        var revoke = r.Bool("revokeAfterDrain") ?? false;
        var gate = HealthGateSpec.Default;
        var g = r.Mapping("healthGate");
        if (g is not null)
        {
            // Probes per window are counted in an int: a day at 50 per second fits, a century does not.
            var window = g.Duration("window", ManifestLimits.MaxTimeout) ?? gate.Window;
            var success = g.Number("successRate") ?? gate.SuccessRate;
            var rollback = g.Number("rollbackBelow") ?? gate.RollbackBelow;
            var rate = g.Number("probesPerSecond") ?? gate.ProbesPerSecond;
            if (window <= TimeSpan.Zero) g.Error("window", "gate-window", "must be longer than zero");
            if (success is <= 0 or > 100) g.Error("successRate", "percentage-range", "must be a percentage above 0 and at most 100");
            if (rollback is < 0 or > 100 || rollback > success) g.Error("rollbackBelow", "rollback-below-range", "must be a percentage no greater than successRate");
            if (rate is <= 0 or > 50) g.Error("probesPerSecond", "probe-rate", "must be above 0 and at most 50 probes per second");
            g.RejectUnknown();
            gate = new HealthGateSpec(window, success, rollback) { ProbesPerSecond = rate };
        }
        r.RejectUnknown();
        return new RotationSpec { Overlap = overlap, WaveSize = waveSize, Stagger = stagger, RevokeAfterDrain = revoke, HealthGate = gate };
    }
}
