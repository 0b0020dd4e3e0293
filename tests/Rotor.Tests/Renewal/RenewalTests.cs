using Rotor.Core.Renewal;
using Rotor.Core.Resources;

namespace Rotor.Tests.Renewal;

public class RenewalTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Default_renewal_is_at_two_thirds_of_the_lifetime()
    {
        var at = RenewalSchedule.RenewalTime(T0, T0.AddDays(90), null, null);
        Assert.Equal(T0.AddDays(60), at);
    }

    [Fact]
    public void RenewBefore_counts_back_from_notAfter()
    {
        Assert.Equal(T0.AddDays(60), RenewalSchedule.RenewalTime(T0, T0.AddDays(90), TimeSpan.FromDays(30), null));
    }

    [Fact]
    public void Percentage_counts_from_notBefore()
    {
        // 25 % before the end of a 100-day lifetime: day 75.
        Assert.Equal(T0.AddDays(75), RenewalSchedule.RenewalTime(T0, T0.AddDays(100), null, 25));
    }

    [Theory]
    [InlineData(30, null, 60)] // renewBefore 30 days: day 60 of 90
    [InlineData(null, 10, 81)] // 10 % before the end: day 81
    [InlineData(null, null, 60)] // default: two thirds
    public void The_specs_renewal_time_is_the_one_due_checks_fall_due_at(int? renewBeforeDays, int? percentage, int expectedDay)
    {
        var spec = new CertificateSpec
        {
            DnsNames = ["sip.example.test"], IssuerRef = "local", Duration = TimeSpan.FromDays(90),
            RenewBefore = renewBeforeDays is { } d ? TimeSpan.FromDays(d) : null, RenewBeforePercentage = percentage,
        };
        var at = RenewalSchedule.RenewalTime(spec, T0, T0.AddDays(90));
        Assert.Equal(T0.AddDays(expectedDay), at);
        var facts = new IssuedFacts(spec.RequiredNames(), spec.CommonName, spec.PrivateKey.Algorithm, spec.PrivateKey.Size, spec.Usages, spec.IssuerRef, spec.Duration, T0, T0.AddDays(90));
        Assert.Equal(DueReason.NotDue, DueCheck.Evaluate(spec, facts, at.AddSeconds(-1), manualRenew: false));
        Assert.Equal(DueReason.RenewalTime, DueCheck.Evaluate(spec, facts, at, manualRenew: false));
    }

    [Fact]
    public void Backoff_follows_the_table_and_repeats_its_last_step()
    {
        var table = new BackoffTable();
        var far = T0.AddYears(1);
        var expected = BackoffTable.DefaultSteps.Concat([BackoffTable.DefaultSteps[^1], BackoffTable.DefaultSteps[^1]]).ToList();
        for (var failures = 1; failures <= expected.Count; failures++)
        {
            // unitRandom 0.5 is the middle of the jitter band: exactly the table's step.
            Assert.Equal(expected[failures - 1], table.NextDelay(failures, T0, far, 0.5));
        }
    }

    [Fact]
    public void Jitter_stays_within_twenty_percent()
    {
        var table = new BackoffTable();
        var step = table.Step(4);
        Assert.Equal(step * 0.8, table.NextDelay(4, T0, null, 0.0));
        Assert.True((step * 1.2 - table.NextDelay(4, T0, null, 1.0 - 1e-12)).Duration() < TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public void Backoff_never_passes_the_expiry_of_the_certificate_in_service()
    {
        var table = new BackoffTable();
        var notAfter = T0.AddMinutes(40);
        // The 9th step is 4 h, far beyond expiry: capped at half the remaining 40 minutes.
        Assert.Equal(TimeSpan.FromMinutes(20), table.NextDelay(9, T0, notAfter, 0.99));
        // Nearer expiry the retries get denser, never later than expiry.
        Assert.Equal(TimeSpan.FromMinutes(2), table.NextDelay(9, notAfter.AddMinutes(-4), notAfter, 0.5));
        Assert.Equal(BackoffTable.MinimumWait, table.NextDelay(9, notAfter.AddSeconds(-5), notAfter, 0.5));
        // Once expired, never wait longer than the expired cap.
        Assert.Equal(BackoffTable.ExpiredCap, table.NextDelay(9, notAfter.AddHours(1), notAfter, 0.5));
    }

    private static IssuedFacts Facts(CertificateSpec spec) => new(
        spec.RequiredNames(), spec.CommonName, spec.PrivateKey.Algorithm, spec.PrivateKey.Size, spec.Usages, spec.IssuerRef, spec.Duration,
        T0, T0.AddDays(90));

    [Fact]
    public void Due_reasons()
    {
        var spec = new CertificateSpec { CommonName = "a.example.test", DnsNames = ["a.example.test"], IssuerRef = "local" };
        Assert.Equal(DueReason.NoVersion, DueCheck.Evaluate(spec, null, T0, false));
        var facts = Facts(spec);
        Assert.Equal(DueReason.NotDue, DueCheck.Evaluate(spec, facts, T0.AddDays(59), false));
        Assert.Equal(DueReason.RenewalTime, DueCheck.Evaluate(spec, facts, T0.AddDays(60), false));
        Assert.Equal(DueReason.ManualRenew, DueCheck.Evaluate(spec, facts, T0.AddDays(1), true));
        Assert.Equal(DueReason.Expired, DueCheck.Evaluate(spec, facts, T0.AddDays(91), false));
        Assert.Equal(DueReason.SpecChanged, DueCheck.Evaluate(spec with { DnsNames = ["a.example.test", "b.example.test"] }, facts, T0.AddDays(1), false));
        Assert.Equal(DueReason.SpecChanged, DueCheck.Evaluate(spec with { PrivateKey = new PrivateKeySpec { Algorithm = KeyAlgorithm.Rsa, Size = 2048 } }, facts, T0.AddDays(1), false));
        // Deploy targets and rotation settings do not need a new certificate.
        Assert.Equal(DueReason.NotDue, DueCheck.Evaluate(spec with { Deploy = [new DeployBinding("t", null, [])] }, facts, T0.AddDays(1), false));
    }
}
