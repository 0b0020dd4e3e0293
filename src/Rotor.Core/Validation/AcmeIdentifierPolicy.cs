using System.Net;
using System.Text.RegularExpressions;
using Rotor.Core.Resources;

namespace Rotor.Core.Validation;

/// <summary>
/// Decides whether an ACME server may issue for an identifier (a DNS name or an IP address) and a
/// key type, by the AcmeServer's policy. Each refusal says which rule refused, in words an ACME
/// client shows its user (the detail of a rejectedIdentifier or badCSR problem).
/// </summary>
public sealed class AcmeIdentifierPolicy
{
    /// <summary>A policy regex gets this long per name; a pattern that backtracks longer refuses the name.</summary>
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    private readonly AcmeServerPolicy _policy;
    private readonly List<(string Rule, Func<string, bool> Matches)> _dnsRules = [];
    private readonly List<(string Rule, IPNetwork Network)> _ipRules = [];

    public AcmeIdentifierPolicy(AcmeServerPolicy policy)
    {
        _policy = policy;
        foreach (var rule in policy.DnsNames)
        {
            if (rule.StartsWith("regex:", StringComparison.Ordinal))
            {
                var regex = new Regex($"^(?:{rule["regex:".Length..]})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, RegexTimeout);
                _dnsRules.Add((rule, name => SafeMatch(regex, name)));
            }
            else if (rule.StartsWith('.'))
            {
                _dnsRules.Add((rule, name => name.EndsWith(rule, StringComparison.OrdinalIgnoreCase) && name.Length > rule.Length));
            }
            else
            {
                _dnsRules.Add((rule, name => string.Equals(name, rule, StringComparison.OrdinalIgnoreCase)));
            }
        }
        foreach (var range in policy.IpRanges)
        {
            _ipRules.Add((range, IPNetwork.Parse(range)));
        }
    }

    /// <summary>Null when the identifier may be issued for; else the rule that refuses it.</summary>
    public string? Check(string type, string value)
    {
        switch (type)
        {
            case "dns":
                if (value.Length is 0 or > 253 || Uri.CheckHostName(value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value) != UriHostNameType.Dns)
                {
                    return $"'{value}' is not a DNS name";
                }
                if (value.LastIndexOf('*') > 0)
                {
                    return $"'{value}': a wildcard is allowed only as the whole leftmost label (*.example)";
                }
                if (_dnsRules.Count == 0) return $"policy.dnsNames is empty: this server issues for no DNS names ('{value}' refused)";
                foreach (var (_, matches) in _dnsRules)
                {
                    if (matches(value)) return null;
                }
                return $"'{value}' matches no entry of policy.dnsNames ({string.Join(", ", _policy.DnsNames)})";
            case "ip":
                if (!IPAddress.TryParse(value, out var address)) return $"'{value}' is not an IP address";
                if (_ipRules.Count == 0) return $"policy.ipRanges is empty: this server issues for no IP addresses ('{value}' refused)";
                foreach (var (_, network) in _ipRules)
                {
                    if (network.Contains(address)) return null;
                }
                return $"'{value}' is in no range of policy.ipRanges ({string.Join(", ", _policy.IpRanges)})";
            default:
                return $"identifier type '{type}' is not supported (dns or ip)";
        }
    }

    /// <summary>Null when a key of <paramref name="keyType"/> (e.g. <c>ecdsa-p256</c>, <c>rsa-2048</c>) may be certified; else the rule.</summary>
    public string? CheckKeyType(string keyType) =>
        _policy.KeyTypes.Contains(keyType, StringComparer.Ordinal)
            ? null
            : $"key type {keyType} is not in policy.keyTypes ({string.Join(", ", _policy.KeyTypes)})";

    private static bool SafeMatch(Regex regex, string name)
    {
        try
        {
            return regex.IsMatch(name);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
