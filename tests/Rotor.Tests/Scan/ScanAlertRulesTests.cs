using Rotor.Core.Alerts;
using Rotor.Core.Scan;

namespace Rotor.Tests.Scan;

/// <summary>The rules over a discovered endpoint: each finding is one alert with a stable key, naming what it found.</summary>
public class ScanAlertRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly AlertPolicy Policy = new();

    private static EndpointScan Healthy(TimeSpan left) => new()
    {
        Endpoint = "10.0.0.5:5061",
        At = Now,
        Reachable = true,
        Protocol = "TLS 1.3",
        Chain =
        [
            new ScannedCertificate
            {
                Subject = "CN=sbc", Issuer = "CN=Corp CA", Serial = "01", Sha256 = "ab",
                NotBefore = Now - TimeSpan.FromDays(10), NotAfter = Now + left,
                KeyAlgorithm = "ECDSA", KeySize = 256, SignatureAlgorithm = "sha256ECDSA", Names = ["sbc.example.test"],
            },
        ],
        ChainValid = true,
        NameMatches = true,
        Ocsp = OcspStatus.Good,
    };

    private static List<AlertCondition> Rules(EndpointScan e) => [.. ScanAlertRules.Evaluate("edge", e, Policy, Now)];

    [Fact]
    public void A_healthy_endpoint_raises_nothing()
    {
        Assert.Empty(Rules(Healthy(TimeSpan.FromDays(60))));
    }

    [Fact]
    public void Expiry_fires_at_the_thresholds_and_expired_shares_its_key()
    {
        var five = Assert.Single(Rules(Healthy(TimeSpan.FromDays(5))));
        Assert.Equal(("EndpointCertificateExpiring/edge/10.0.0.5:5061", "7d", AlertSeverity.Critical), (five.Key, five.Stage, five.Severity));
        var twenty = Assert.Single(Rules(Healthy(TimeSpan.FromDays(20))));
        Assert.Equal(("30d", AlertSeverity.Warning), (twenty.Stage, twenty.Severity));
        var expired = Assert.Single(Rules(Healthy(-TimeSpan.FromHours(1))));
        Assert.Equal((five.Key, ScanAlertRules.EndpointCertificateExpired, "expired"), (expired.Key, expired.Rule, expired.Stage));
        Assert.Equal("edge", expired.Labels["scan"]);
        Assert.Equal("10.0.0.5:5061", expired.Labels["endpoint"]);
        Assert.Equal("CN=Corp CA", expired.Labels["issuer"]);
    }

    [Fact]
    public void An_endpoint_serving_the_current_managed_version_leaves_expiry_to_the_managed_rules()
    {
        var managed = Healthy(TimeSpan.FromDays(5)) with { ManagedCertificate = "sip-edge", ManagedVersion = 3, ManagedCurrent = true };
        Assert.Empty(Rules(managed));
        var stale = managed with { ManagedCurrent = false };
        var alert = Assert.Single(Rules(stale));
        Assert.Equal("sip-edge", alert.Labels["certificate"]);
    }

    [Fact]
    public void Each_finding_is_its_own_alert_naming_what_was_found()
    {
        var bad = Healthy(TimeSpan.FromDays(60)) with
        {
            ChainValid = false,
            ChainProblem = "PartialChain: unable to get local issuer certificate",
            NameMatches = false,
            CheckedName = "sbc2.example.test",
            LegacyProtocols = ["TLS 1.0", "TLS 1.1"],
            WeakCiphers = ["TLS_RSA_WITH_3DES_EDE_CBC_SHA"],
            Ocsp = OcspStatus.Revoked,
            OcspDetail = "reason: keyCompromise",
        };
        var alerts = Rules(bad).ToDictionary(a => a.Rule);
        Assert.Equal(
            [ScanAlertRules.EndpointCertificateRevoked, ScanAlertRules.EndpointChainInvalid, ScanAlertRules.EndpointLegacyTls, ScanAlertRules.EndpointNameMismatch, ScanAlertRules.EndpointWeakCipher],
            alerts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("TLS 1.0 and TLS 1.1", alerts[ScanAlertRules.EndpointLegacyTls].Labels["protocol"]);
        Assert.Contains("TLS_RSA_WITH_3DES_EDE_CBC_SHA", alerts[ScanAlertRules.EndpointWeakCipher].Summary, StringComparison.Ordinal);
        Assert.Contains("sbc2.example.test", alerts[ScanAlertRules.EndpointNameMismatch].Summary, StringComparison.Ordinal);
        Assert.Contains("PartialChain", alerts[ScanAlertRules.EndpointChainInvalid].Description, StringComparison.Ordinal);
        Assert.Contains("keyCompromise", alerts[ScanAlertRules.EndpointCertificateRevoked].Description, StringComparison.Ordinal);
        Assert.Equal(alerts.Count, alerts.Values.Select(a => a.Key).Distinct().Count());
    }

    [Theory]
    [InlineData("RSA", 1024, "sha256RSA", "RSA 1024 bits")]
    [InlineData("ECDSA", 224, "sha256ECDSA", "EC 224 bits")]
    [InlineData("RSA", 2048, "sha1RSA", "signed with sha1RSA")]
    [InlineData("RSA", 2048, "md5RSA", "signed with md5RSA")]
    public void A_weak_key_or_signature_is_named(string algorithm, int size, string signature, string named)
    {
        var e = Healthy(TimeSpan.FromDays(60));
        e = e with { Chain = [e.Chain[0] with { KeyAlgorithm = algorithm, KeySize = size, SignatureAlgorithm = signature }] };
        var alert = Assert.Single(Rules(e));
        Assert.Equal(ScanAlertRules.EndpointWeakKey, alert.Rule);
        Assert.Contains(named, alert.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_self_signed_roots_own_sha1_signature_is_not_a_weakness()
    {
        var e = Healthy(TimeSpan.FromDays(60));
        var root = e.Chain[0] with { Subject = "CN=Old Root", Issuer = "CN=Old Root", SignatureAlgorithm = "sha1RSA", KeyAlgorithm = "RSA", KeySize = 4096 };
        Assert.Empty(Rules(e with { Chain = [e.Chain[0], root] }));
    }
}
