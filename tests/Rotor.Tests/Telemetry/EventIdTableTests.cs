using System.Reflection;
using Microsoft.Extensions.Logging;
using Rotor.Acme;
using Rotor.Cmp;
using Rotor.Telemetry;

namespace Rotor.Tests.Telemetry;

/// <summary>Every log message's event id comes from one of the three tables, once, inside its area.</summary>
public class EventIdTableTests
{
    private static readonly (Type Table, Assembly Assembly)[] Tables =
    [
        (typeof(AcmeEventIds), typeof(AcmeEventIds).Assembly),
        (typeof(CmpEventIds), typeof(CmpEventIds).Assembly),
        (typeof(RotorEventIds), typeof(RotorEventIds).Assembly),
    ];

    private static IEnumerable<(string Method, int Id)> LoggerMessages(Assembly assembly) =>
        from type in assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
        where attribute is not null
        select ($"{type.Name}.{method.Name}", attribute.EventId);

    private static Dictionary<int, string> Declared(Type table) =>
        table.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .ToDictionary(f => (int)f.GetRawConstantValue()!, f => f.Name);

    [Fact]
    public void Every_logger_message_uses_an_id_its_assembly_table_declares()
    {
        foreach (var (table, assembly) in Tables)
        {
            var declared = Declared(table);
            var used = LoggerMessages(assembly).ToList();
            Assert.NotEmpty(used);
            foreach (var (method, id) in used)
            {
                Assert.True(declared.ContainsKey(id), $"{method} logs with event id {id}, which {table.Name} does not declare");
            }
            var twice = used.GroupBy(u => u.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(u => u.Method))}").ToList();
            Assert.True(twice.Count == 0, "event ids used by more than one message: " + string.Join("; ", twice));
            var unused = declared.Keys.Except(used.Select(u => u.Id)).Select(id => declared[id]).ToList();
            Assert.True(unused.Count == 0, $"{table.Name} declares ids no message uses: {string.Join(", ", unused)}");
        }
    }

    [Fact]
    public void The_tables_do_not_overlap_and_each_library_keeps_to_its_range()
    {
        var acme = Declared(typeof(AcmeEventIds)).Keys;
        var cmp = Declared(typeof(CmpEventIds)).Keys;
        var rotor = Declared(typeof(RotorEventIds)).Keys;
        Assert.All(acme, id => Assert.InRange(id, 1000, 1099));
        Assert.All(cmp, id => Assert.InRange(id, 2000, 2099));
        Assert.All(rotor, id => Assert.InRange(id, 1100, 8999));
        Assert.Empty(rotor.Intersect(acme.Concat(cmp)));
        Assert.DoesNotContain(rotor, id => id is >= 1000 and < 1100 or >= 2000 and < 2100);
        Assert.All(rotor.Where(id => id < 3000), id => Assert.True(id is >= 1100 and < 1200 or >= 2100 and < 2200, $"{id}: ids under 3000 belong to the ACME (1100s) or CMP (2100s) issuer"));
    }
}
