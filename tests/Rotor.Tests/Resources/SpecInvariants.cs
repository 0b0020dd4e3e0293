using System.Collections;
using System.Reflection;
using Rotor.Core.Renewal;
using Rotor.Core.Resources;
using Rotor.Storage;

namespace Rotor.Tests.Resources;

/// <summary>
/// What every resource the parser accepts must hold, so that nothing it lets through throws
/// later: text without control characters, finite numbers, durations that fit a date, timeouts
/// that fit a timer, and a spec that stores and reads back.
/// </summary>
public static class SpecInvariants
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static void Check(Resource resource)
    {
        Walk(resource.Spec, resource.Kind, 0);
        var stored = SpecSerializer.ToStored(resource, Now);
        SpecSerializer.Deserialize(stored.Kind, stored.SpecJson);
        if (resource.Spec is CertificateSpec cert)
        {
            _ = cert.RequiredNames();
            var notAfter = Now + cert.Duration;
            _ = RenewalSchedule.RenewalTime(Now, notAfter, cert.RenewBefore, cert.RenewBeforePercentage);
            _ = notAfter + cert.Rotation.Overlap + cert.Rotation.Stagger + cert.Rotation.HealthGate.Window;
            Assert.InRange(Rotor.Core.Rotation.HealthGate.RoundsPerWindow(cert.Rotation.HealthGate), 1, int.MaxValue);
        }
        if (resource.Spec is IssuerSpec { Cmp.KurWindow: { } window })
        {
            _ = new KeyUpdateWindow(window).Contains(Now);
        }
    }

    private static void Walk(object? value, string path, int depth)
    {
        Assert.True(depth < 20, path);
        switch (value)
        {
            case null or bool or int or Enum or TimeOnly or UnixFileMode:
                return;
            case string s:
                var allowed = path.EndsWith(".Reload.Command", StringComparison.Ordinal) ? "\n\t" : "";
                Assert.False(s.Any(c => char.IsControl(c) && !allowed.Contains(c)), $"{path} holds a control character");
                Assert.True(HasOnlyWholeSurrogatePairs(s), $"{path} holds a broken surrogate");
                return;
            case double d:
                Assert.True(double.IsFinite(d), $"{path} = {d}");
                return;
            case TimeSpan t:
                Assert.InRange(t, TimeSpan.Zero, ManifestLimits.MaxDuration);
                if (path.EndsWith("Timeout", StringComparison.Ordinal) || path.EndsWith("Interval", StringComparison.Ordinal))
                {
                    using var timer = new CancellationTokenSource(t); // throws for a wait no timer can hold
                }
                return;
            case IEnumerable list:
                var i = 0;
                foreach (var item in list) Walk(item, $"{path}[{i++}]", depth + 1);
                return;
        }
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.Name == "EqualityContract") continue;
            Walk(property.GetValue(value), path + "." + property.Name, depth + 1);
        }
    }

    private static bool HasOnlyWholeSurrogatePairs(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (!char.IsSurrogate(s[i])) continue;
            if (!char.IsSurrogatePair(s, i)) return false;
            i++;
        }
        return true;
    }
}
