using Rotor.Core.Alerts;

namespace Rotor.Tests.Alerts;

public class AlertRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("RolledBack: version 2 was rolled back (gate 90 % < 98 %)", true)]
    [InlineData("GateFailed: 3 of 20 handshakes presented the new certificate", true)]
    [InlineData("AcmeRateLimited: too many orders", false)]
    [InlineData(null, false)]
    public void A_rolled_back_rotation_is_critical_and_names_the_certificate(string? lastFailure, bool fires)
    {
        var condition = AlertRules.RolledBack("sip-edge", "local", lastFailure);
        Assert.Equal(fires, condition is not null);
        if (condition is null) return;
        Assert.Equal(AlertSeverity.Critical, condition.Severity);
        Assert.Equal("RotationRolledBack/sip-edge", condition.Key);
        Assert.Equal("sip-edge", condition.Labels["certificate"]);
        Assert.Contains(lastFailure!, condition.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_issuer_is_one_alert_that_counts_its_certificates_and_says_unreachable_or_refusing()
    {
        var unreachable = AlertRules.Issuer("pki", [("sbc-1", "CmpMessageTimeout: no answer from http://10.0.0.1/pkix/"), ("sbc-2", "CmpConnect: refused")])!;
        Assert.Equal("IssuerFailing/pki", unreachable.Key);
        Assert.Equal("pki", unreachable.Labels["issuer"]);
        Assert.Contains("unreachable for 2 certificates", unreachable.Summary, StringComparison.Ordinal);
        Assert.Contains("sbc-1, sbc-2", unreachable.Description, StringComparison.Ordinal);
        Assert.Equal("CmpConnect,CmpMessageTimeout", unreachable.Stage);

        var refusing = AlertRules.Issuer("le", [("trunk", "AcmeRejectedIdentifier: policy forbids")])!;
        Assert.Contains("refusing requests for 1 certificate", refusing.Summary, StringComparison.Ordinal);
        Assert.Null(AlertRules.Issuer("le", []));
    }

    [Fact]
    public void An_endpoint_that_cannot_be_connected_to_is_unreachable_and_one_that_answers_is_not()
    {
        var down = AlertRules.Endpoint("edge-tls", "127.0.0.1:5061", connectFailed: true, "connection refused", Now)!;
        Assert.Equal("EndpointUnreachable/edge-tls", down.Key);
        Assert.Equal("edge-tls", down.Labels["endpoint"]);
        Assert.Contains("connection refused", down.Description, StringComparison.Ordinal);
        Assert.Null(AlertRules.Endpoint("edge-tls", "127.0.0.1:5061", connectFailed: false, null, Now));
    }

    [Theory]
    [InlineData("RolledBack: x", "RolledBack")]
    [InlineData("no colon here", null)]
    [InlineData(": empty reason", null)]
    [InlineData(null, null)]
    public void The_reason_is_read_from_the_status_text(string? lastFailure, string? reason) =>
        Assert.Equal(reason, AlertRules.ReasonOf(lastFailure));
}
