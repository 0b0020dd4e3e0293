using Rotor.Core.Renewal;
using Rotor.Core.Resources;

namespace Rotor.Tests.Renewal;

public class KeyUpdateWindowTests
{
    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_time_outside_the_window_waits_for_the_next_start_and_a_time_inside_does_not()
    {
        var window = new KeyUpdateWindow(new KeyUpdateWindowSpec(new TimeOnly(2, 0), new TimeOnly(4, 0), "UTC"));

        Assert.Equal(Utc("2026-12-02T02:00:00Z"), window.NextOpening(Utc("2026-12-01T13:00:00Z")));
        Assert.Equal(Utc("2026-12-01T02:00:00Z"), window.NextOpening(Utc("2026-12-01T01:59:59Z")));
        Assert.Null(window.NextOpening(Utc("2026-12-01T02:00:00Z")));
        Assert.Null(window.NextOpening(Utc("2026-12-01T03:59:59Z")));
        Assert.Equal(Utc("2026-12-02T02:00:00Z"), window.NextOpening(Utc("2026-12-01T04:00:00Z")));
        Assert.Equal("02:00-04:00 UTC", window.Text);
    }

    [Fact]
    public void A_window_that_crosses_midnight_is_open_on_both_sides_of_it()
    {
        var window = new KeyUpdateWindow(new KeyUpdateWindowSpec(new TimeOnly(22, 0), new TimeOnly(1, 0), "UTC"));

        Assert.Null(window.NextOpening(Utc("2026-12-01T23:30:00Z")));
        Assert.Null(window.NextOpening(Utc("2026-12-02T00:30:00Z")));
        Assert.Equal(Utc("2026-12-02T22:00:00Z"), window.NextOpening(Utc("2026-12-02T01:00:00Z")));
        Assert.Equal(Utc("2026-12-01T22:00:00Z"), window.NextOpening(Utc("2026-12-01T13:00:00Z")));
    }

    [Fact]
    public void The_window_is_wall_clock_time_in_its_zone_across_a_clock_change()
    {
        var window = new KeyUpdateWindow(new KeyUpdateWindowSpec(new TimeOnly(2, 0), new TimeOnly(4, 0), "Europe/Berlin"));

        // Winter: 02:00 in Berlin is 01:00 UTC.
        Assert.Equal(Utc("2026-12-02T01:00:00Z"), window.NextOpening(Utc("2026-12-01T12:00:00Z")));
        // Summer: 02:00 in Berlin is 00:00 UTC.
        Assert.Equal(Utc("2026-07-02T00:00:00Z"), window.NextOpening(Utc("2026-07-01T12:00:00Z")));
        // 29 March 2026 the clocks jump from 02:00 to 03:00: the window opens at 03:00 local (01:00 UTC).
        Assert.Equal(Utc("2026-03-29T01:00:00Z"), window.NextOpening(Utc("2026-03-28T12:00:00Z")));
    }
}
