using System.Net;
using System.Security.Cryptography;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Dns.DynamicUpdate;

namespace Rotor.Acme.Challenges.Dns01;

/// <summary>
/// DNS UPDATE (RFC 2136) signed with TSIG (RFC 8945), with ARSoft.Tools.Net's
/// <see cref="DnsUpdateMessage"/> and <see cref="TSigRecord"/>. Adds a TXT value to the RRset
/// (never replaces it) and removes exactly that value; removing an absent value succeeds, so
/// cleanup is idempotent. Failures name the cause: TSIG error, RCODE, or no answer.
/// </summary>
public sealed class Rfc2136Provider : IDns01Provider
{
    private readonly Rfc2136Options _options;
    private readonly TimeProvider _time;
    private readonly DnsServerAddress _server;
    private readonly TSigAlgorithm _algorithm;
    private readonly DomainName _keyName;
    private readonly byte[] _key;

    public Rfc2136Provider(Rfc2136Options options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _server = DnsServerAddress.Parse(options.Server, 53);
        _algorithm = ParseAlgorithm(options.Algorithm);
        if (options.Ttl < 0) throw Config($"TTL {options.Ttl} is negative");
        if (options.Timeout <= TimeSpan.Zero) throw Config("Timeout must be positive");
        try
        {
            _keyName = DomainName.Parse(options.KeyName);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw Config($"'{options.KeyName}' is not a valid TSIG key name");
        }
        // The secret itself never goes into a message, not even a broken one.
        var buffer = new byte[options.Secret.Length];
        if (!Convert.TryFromBase64String(options.Secret.Trim(), buffer, out var length) || length == 0)
        {
            throw Config($"the TSIG secret of key {options.KeyName} is not valid base64");
        }
        _key = buffer[..length];
        CryptographicOperations.ZeroMemory(buffer);
    }

    /// <summary>The algorithms ARSoft signs with that are worth offering (no MD5).</summary>
    internal static TSigAlgorithm ParseAlgorithm(string name) => name.Trim().TrimEnd('.').ToLowerInvariant() switch
    {
        "hmac-sha256" => TSigAlgorithm.Sha256,
        "hmac-sha512" => TSigAlgorithm.Sha512,
        "hmac-sha384" => TSigAlgorithm.Sha384,
        "hmac-sha224" => TSigAlgorithm.Sha224,
        "hmac-sha1" => TSigAlgorithm.Sha1,
        _ => throw Config($"TSIG algorithm '{name}' is not supported (hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224, hmac-sha1)"),
    };

    public Task AddTxtAsync(string recordName, string zone, string value, CancellationToken cancellationToken) =>
        SendAsync(zone, recordName, new AddRecordUpdate(new TxtRecord(DomainName.Parse(DnsNames.Normalize(recordName)), _options.Ttl, value)), "adding", cancellationToken);

    public Task RemoveTxtAsync(string recordName, string zone, string value, CancellationToken cancellationToken) =>
        // Class NONE with the exact data: deletes this value only (RFC 2136 2.5.4), other challenges' values stay.
        SendAsync(zone, recordName, new DeleteRecordUpdate(new TxtRecord(DomainName.Parse(DnsNames.Normalize(recordName)), 0, value)), "removing", cancellationToken);

    private async Task SendAsync(string zone, string recordName, UpdateBase update, string action, CancellationToken cancellationToken)
    {
        var zoneName = DnsNames.Normalize(zone);
        var endpoints = await _server.ResolveAsync(cancellationToken);
        var server = _server.ToString();
        var what = $"{action} TXT {DnsNames.Display(recordName)} in zone {DnsNames.Display(zoneName)}";

        var message = new DnsUpdateMessage
        {
            ZoneName = DomainName.Parse(zoneName),
            TransactionID = (ushort)RandomNumberGenerator.GetInt32(1, 0x10000),
        };
        message.Updates.Add(update);
        // The signing time comes from the injected clock; ARSoft signs with it as given.
        message.TSigOptions = new TSigRecord(_keyName, _algorithm, _time.GetUtcNow().UtcDateTime, _options.Fudge, message.TransactionID,
            ReturnCode.NoError, null, _key);

        DnsUpdateMessage? response;
        var transports = new IClientTransport[] { new UdpClientTransport(_server.Port), new TcpClientTransport(_server.Port) };
        using (var client = new ARSoft.Tools.Net.Dns.DnsClient(endpoints.Select(e => e.Address), transports, true, (int)_options.Timeout.TotalMilliseconds))
        {
            try
            {
                response = await client.SendUpdateAsync(message, cancellationToken);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
            {
                throw Dns01Causes.Fail(Dns01Causes.Unreachable, $"DNS server {server} did not answer ({what}: {e.Message})", transient: true, e);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (response is null)
        {
            throw Dns01Causes.Fail(Dns01Causes.Unreachable,
                $"DNS server {server} did not answer ({what}; no answer within {DnsNames.Seconds(_options.Timeout)} or the port is closed)", transient: true);
        }
        Check(response, server, zoneName, recordName, what);
    }

    private void Check(DnsUpdateMessage response, string server, string zone, string recordName, string what)
    {
        var tsigError = (int?)response.TSigOptions?.Error ?? 0;
        if (tsigError != 0)
        {
            var name = DnsCodes.Name(tsigError);
            var hint = tsigError switch
            {
                16 => $"the signature does not match: wrong secret for key {_options.KeyName}?",
                17 => $"the server does not know key {_options.KeyName} with algorithm {_options.Algorithm}",
                18 => "the clocks of this host and the server differ by more than the fudge",
                _ => "the server rejected the signature",
            };
            throw Dns01Causes.Fail(Dns01Causes.Tsig, $"TSIG verification failed ({name}) updating {DnsNames.Display(zone)} at {server}: {hint}", transient: false);
        }
        var rcode = (int)response.ReturnCode;
        switch (rcode)
        {
            case DnsCodes.NoError:
                // A success that is not signed by our key could come from anyone on the path.
                if (response.TSigOptions is null || response.TSigOptions.ValidationResult != ReturnCode.NoError)
                {
                    var state = response.TSigOptions is null ? "unsigned" : DnsCodes.Name((int)response.TSigOptions.ValidationResult);
                    throw Dns01Causes.Fail(Dns01Causes.Tsig,
                        $"TSIG verification failed ({state} answer) updating {DnsNames.Display(zone)} at {server}: the answer is not signed with key {_options.KeyName}",
                        transient: false);
                }
                return;
            case DnsCodes.Refused:
                throw Dns01Causes.Fail(Dns01Causes.Refused,
                    $"DNS server {server} refused {what} (REFUSED): key {_options.KeyName} may not update this name, or the server takes no updates for the zone",
                    transient: false);
            case DnsCodes.NotAuth:
                throw Dns01Causes.Fail(Dns01Causes.Zone,
                    $"DNS server {server} is not authoritative for zone {DnsNames.Display(zone)} (NOTAUTH) while {what}", transient: false);
            case DnsCodes.NotZone:
                throw Dns01Causes.Fail(Dns01Causes.Zone,
                    $"{DnsNames.Display(recordName)} is outside zone {DnsNames.Display(zone)} (NOTZONE) at {server}", transient: false);
            case DnsCodes.ServFail:
                throw Dns01Causes.Fail(Dns01Causes.Dns, $"DNS server {server} failed {what} (SERVFAIL)", transient: true);
            default:
                throw Dns01Causes.Fail(Dns01Causes.Dns, $"DNS server {server} answered {DnsCodes.Name(rcode)} {what}", transient: false);
        }
    }

    private static Transport.AcmeException Config(string message) => Dns01Causes.Fail(Dns01Causes.Config, "rfc2136: " + message, transient: false);

    /// <summary>Never shows the secret.</summary>
    public override string ToString() => _options.ToString();
}
