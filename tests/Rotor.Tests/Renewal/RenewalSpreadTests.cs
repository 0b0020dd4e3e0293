using Rotor.Core.Renewal;
using Rotor.Core.Resources;

namespace Rotor.Tests.Renewal;

/// <summary>Certificates issued in the same second must not all fall due in the same second again.</summary>
public class RenewalSpreadTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CertificateSpec Spec(TimeSpan? renewBefore = null) => new()
    {
        DnsNames = ["sip.example.test"], IssuerRef = "local", Duration = TimeSpan.FromDays(90), RenewBefore = renewBefore,
    };

    [Fact]
    public void A_fleet_sharing_a_notAfter_falls_due_spread_over_a_day_before_the_renewal_time_never_after()
    {
        var spec = Spec();
        var plain = RenewalSchedule.RenewalTime(spec, T0, T0.AddDays(90)); // day 60
        var times = Enumerable.Range(0, 10_000).Select(i => RenewalSchedule.SpreadRenewalTime(spec, T0, T0.AddDays(90), $"sip-{i:D6}")).ToList();
        Assert.All(times, t => Assert.InRange(t, plain - RenewalSchedule.MaxSpread, plain));
        // Spread evenly: every hour of the day gets its share (10,000 / 24 ≈ 417; allow wide slack).
        var perHour = times.GroupBy(t => (int)((plain - t).TotalHours)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(24, perHour.Count);
        Assert.All(perHour.Values, n => Assert.InRange(n, 300, 540));
        // Whole seconds over a day: about 9,440 distinct times are expected for 10,000 names.
        Assert.True(times.Distinct().Count() > 9_000);
    }

    [Fact]
    public void The_same_name_always_gets_the_same_time_and_due_checks_agree_with_it()
    {
        var spec = Spec();
        var at = RenewalSchedule.SpreadRenewalTime(spec, T0, T0.AddDays(90), "trunk-a");
        Assert.Equal(at, RenewalSchedule.SpreadRenewalTime(spec, T0, T0.AddDays(90), "trunk-a"));
        Assert.NotEqual(at, RenewalSchedule.SpreadRenewalTime(spec, T0, T0.AddDays(90), "trunk-b"));
        var facts = new IssuedFacts(spec.RequiredNames(), spec.CommonName, spec.PrivateKey.Algorithm, spec.PrivateKey.Size, spec.Usages, spec.IssuerRef, spec.Duration, T0, T0.AddDays(90));
        // The reconciler schedules the spread time and checks with the name: due exactly then, not a
        // second before (otherwise it would reschedule the same time forever).
        Assert.Equal(DueReason.NotDue, DueCheck.Evaluate(spec, facts, at.AddSeconds(-1), manualRenew: false, "trunk-a"));
        Assert.Equal(DueReason.RenewalTime, DueCheck.Evaluate(spec, facts, at, manualRenew: false, "trunk-a"));
    }

    [Fact]
    public void A_short_renew_window_spreads_over_a_tenth_of_it_only()
    {
        // 47-day certificate renewed 1 day before expiry: at most 2.4 hours earlier.
        var spec = Spec(TimeSpan.FromDays(1)) with { Duration = TimeSpan.FromDays(47) };
        var plain = T0.AddDays(46);
        var times = Enumerable.Range(0, 1000).Select(i => RenewalSchedule.SpreadRenewalTime(spec, T0, T0.AddDays(47), $"c{i}")).ToList();
        Assert.All(times, t => Assert.InRange(t, plain - TimeSpan.FromHours(2.4), plain));
        Assert.Contains(times, t => t < plain - TimeSpan.FromHours(2));
    }
}
