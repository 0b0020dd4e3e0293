using System.Text.RegularExpressions;

namespace Rotor.Core.Resources;

/// <summary>Name rules: resource names (as Kubernetes object names) and DNS names (RFC 1123, with a leading wildcard).</summary>
public static partial class ResourceNames
{
    [GeneratedRegex("^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^(\\*\\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\\.?$")]
    private static partial Regex DnsPattern();

    public static bool IsValid(string name) => NamePattern().IsMatch(name);

    public static bool IsValidDnsName(string name) =>
        name.Length is > 0 and <= 253 && DnsPattern().IsMatch(name) && !name.All(c => char.IsAsciiDigit(c) || c == '.');
}
