using System.Reflection;
using System.Text.RegularExpressions;
using Rotor.Core.Abstractions;
using Rotor.Testing;

namespace Rotor.Tests.Telemetry;

/// <summary>Reasons are a contract scripts and alert rules match on: the application names them from one table, never as retyped literals.</summary>
public partial class ReasonTableTests
{
    // A reason given or compared as a string literal: `Reason = "X"`, `Reason == "X"`, `Reason: "X"`,
    // a reload failure's reason, or an event's reason after its type.
    [GeneratedRegex(@"(Reason\s*(=|==|:)\s*""[A-Za-z]+""|ReloadFailure\(""|EventType\.\w+,\s*""[A-Za-z]+"")")]
    private static partial Regex ReasonLiteral();

    [Fact]
    public void The_application_names_reasons_from_RotorReasons_only()
    {
        var root = Checkout.Root();
        var offenders = new List<string>();
        foreach (var folder in new[] { "src/Rotor", "src/Rotor.Core" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    if (ReasonLiteral().IsMatch(lines[i])) offenders.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }
        Assert.True(offenders.Count == 0, "reasons written as literals (add them to RotorReasons):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Each_reason_is_its_own_name_and_declared_once()
    {
        var fields = typeof(RotorReasons).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).ToList();
        Assert.NotEmpty(fields);
        Assert.All(fields, f => Assert.Equal(f.Name, (string)f.GetRawConstantValue()!));
    }

    [Theory]
    [InlineData("Acme", "rateLimited", "AcmeRateLimited")]
    [InlineData("Acme", null, "AcmeError")]
    [InlineData("Cmp", "message-timeout", "CmpMessageTimeout")]
    [InlineData("Cmp", "connect", "CmpConnect")]
    [InlineData("Cmp", "", "CmpError")]
    public void A_protocol_failure_reason_is_the_protocol_and_its_code_in_pascal_case(string protocol, string? code, string reason) =>
        Assert.Equal(reason, RotorReasons.FromProtocol(protocol, code));
}
