using Rotor.Core.Resources;

namespace Rotor.Core.Renewal;

/// <summary>
/// A daily window in which key updates may be sent (an SBC's "key update window"): the start
/// is inside, the end is not; an end earlier than the start crosses midnight. Times are wall
/// clock in the window's time zone: on a day when the clocks change, a start that does not
/// exist moves forward with the clocks.
/// </summary>
public sealed class KeyUpdateWindow
{
    private readonly TimeOnly _start;
    private readonly TimeOnly _end;
    private readonly TimeZoneInfo _zone;

    public KeyUpdateWindow(KeyUpdateWindowSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _start = spec.Start;
        _end = spec.End;
        _zone = FindZone(spec.TimeZone) ?? throw new ArgumentException($"unknown time zone '{spec.TimeZone}'", nameof(spec));
        Text = $"{spec.Start:HH\\:mm}-{spec.End:HH\\:mm} {spec.TimeZone}";
    }

    /// <summary>"02:00-04:00 Europe/Berlin".</summary>
    public string Text { get; }

    /// <summary>The zone for an IANA (or Windows) id, or null when there is none by that name.</summary>
    public static TimeZoneInfo? FindZone(string id)
    {
        if (string.Equals(id, "UTC", StringComparison.OrdinalIgnoreCase)) return TimeZoneInfo.Utc;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or System.Security.SecurityException)
        {
            // SecurityException: the id names a folder of the zone database (e.g. "Europe"), not a zone.
            return null;
        }
    }

    public bool Contains(DateTimeOffset now)
    {
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, _zone).DateTime);
        return _start <= _end
            ? local >= _start && local < _end
            : local >= _start || local < _end;
    }

    /// <summary>Null when <paramref name="now"/> is inside the window; otherwise when the window next opens.</summary>
    public DateTimeOffset? NextOpening(DateTimeOffset now)
    {
        if (_start == _end || Contains(now)) return null;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, _zone).DateTime);
        for (var day = today.AddDays(-1); day <= today.AddDays(2); day = day.AddDays(1))
        {
            var opening = ToInstant(day.ToDateTime(_start));
            if (opening > now) return opening;
        }
        throw new InvalidOperationException("no window opening within two days"); // unreachable: a day has one opening
    }

    private DateTimeOffset ToInstant(DateTime wall)
    {
        // A wall time skipped by a clock change moves forward by the gap; an ambiguous one
        // takes its first occurrence.
        while (_zone.IsInvalidTime(wall)) wall = wall.AddMinutes(15);
        var offset = _zone.IsAmbiguousTime(wall) ? _zone.GetAmbiguousTimeOffsets(wall).Max() : _zone.GetUtcOffset(wall);
        return new DateTimeOffset(wall, offset);
    }
}
