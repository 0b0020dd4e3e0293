using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Rotor.Core.Alerts;
using Rotor.Core.Resources;

namespace Rotor.Alerts.Channels;

/// <summary>
/// SNMPv2c notifications over UDP (deploy/snmp/ROTOR-MIB.txt): a Trap, which nothing
/// acknowledges (it counts as delivered once sent), or with <c>inform: true</c> an InformRequest
/// that the manager answers with a Response of the same request-id; it is sent again up to
/// <see cref="InformTries"/> times, the notifier's timeout shared between the tries. The community
/// string was resolved when the channel was built and never leaves this object.
/// </summary>
public sealed class SnmpChannel(string name, SnmpNotifierSpec spec, byte[] community, TimeProvider time, TimeSpan timeout) : IAlertChannel
{
    /// <summary>SnmpAdminString is at most 255 octets; longer texts are cut at a character boundary.</summary>
    public const int MaxTextOctets = 255;

    public const int InformTries = 3;

    private readonly long _started = time.GetTimestamp();

    public string Name => name;

    public async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var address = await ResolveAsync(cancellationToken);
        using var udp = new UdpClient(address.AddressFamily);
        try
        {
            udp.Connect(address, spec.Port);
            var requestId = RandomNumberGenerator.GetInt32(1, int.MaxValue);
            var datagram = SnmpMessage.Encode(community, spec.Inform ? SnmpMessage.InformRequestTag : SnmpMessage.TrapTag, requestId, Varbinds(message, Uptime()));
            if (!spec.Inform)
            {
                await udp.SendAsync(datagram, cancellationToken);
                return;
            }
            var perTry = timeout / InformTries;
            for (var attempt = 1; attempt <= InformTries; attempt++)
            {
                await udp.SendAsync(datagram, cancellationToken);
                if (await AwaitResponseAsync(udp, requestId, perTry, cancellationToken)) return;
            }
            throw new AlertDeliveryException($"notifier {name}: SNMP manager {spec.Host}:{spec.Port} did not acknowledge the inform ({InformTries} tries within {Core.Resources.DurationParser.Format(timeout)}; wrong community?)");
        }
        catch (SocketException e)
        {
            throw new AlertDeliveryException($"notifier {name}: SNMP manager {spec.Host}:{spec.Port} cannot be reached ({e.SocketErrorCode})", isTransient: true, e);
        }
    }

    /// <summary>
    /// The varbinds of RFC 3416 section 4.2.6: sysUpTime.0, snmpTrapOID.0 (firing or resolved),
    /// then the notification's OBJECTS, each as its scalar instance (.0); a missing label is an empty string.
    /// </summary>
    internal static IReadOnlyList<(string Oid, SnmpMessage.Value Value)> Varbinds(OutboxMessage message, uint uptimeHundredths)
    {
        var a = message.Alert;
        string Label(string label) => a.Labels.TryGetValue(label, out var v) ? v : "";
        return
        [
            (RotorMib.SysUpTime0, new SnmpMessage.TimeTicks(uptimeHundredths)),
            (RotorMib.SnmpTrapOid0, new SnmpMessage.Oid(message.Kind == AlertNotificationKind.Resolved ? RotorMib.AlertResolved : RotorMib.AlertFiring)),
            (RotorMib.AlertKey + ".0", Text(a.Key)),
            (RotorMib.AlertRule + ".0", Text(a.Rule)),
            (RotorMib.AlertSeverity + ".0", new SnmpMessage.Integer(SeverityNumber(a.Severity))),
            (RotorMib.AlertSummary + ".0", Text(a.Summary)),
            (RotorMib.AlertCertificate + ".0", Text(Label("certificate"))),
            (RotorMib.AlertEndpoint + ".0", Text(Label("endpoint"))),
            (RotorMib.AlertIssuer + ".0", Text(Label("issuer"))),
            (RotorMib.AlertTarget + ".0", Text(Label("target"))),
            (RotorMib.AlertFiringSince + ".0", new SnmpMessage.Text(DateAndTime(a.FiringSince))),
        ];
    }

    /// <summary>RotorAlertSeverity: info(1), warning(2), critical(3).</summary>
    public static int SeverityNumber(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Info => 1,
        AlertSeverity.Warning => 2,
        _ => 3,
    };

    /// <summary>SNMPv2-TC DateAndTime, the 11-octet form in UTC: year (2), month, day, hour, minutes, seconds, deci-seconds, '+', 0, 0.</summary>
    public static byte[] DateAndTime(DateTimeOffset at)
    {
        var u = at.UtcDateTime;
        return [(byte)(u.Year >> 8), (byte)u.Year, (byte)u.Month, (byte)u.Day, (byte)u.Hour, (byte)u.Minute, (byte)u.Second,
            (byte)(u.Millisecond / 100), (byte)'+', 0, 0];
    }

    /// <summary>UTF-8, cut to <see cref="MaxTextOctets"/> without splitting a character.</summary>
    internal static SnmpMessage.Text Text(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= MaxTextOctets) return new SnmpMessage.Text(bytes);
        var cut = MaxTextOctets;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) cut--;
        return new SnmpMessage.Text(bytes[..cut]);
    }

    /// <summary>Hundredths of a second since this channel was built (sysUpTime of the sender), wrapping at 2^32 as TimeTicks do.</summary>
    private uint Uptime() => (uint)((ulong)(time.GetElapsedTime(_started).Ticks / TimeSpan.TicksPerMillisecond / 10) & 0xFFFFFFFF);

    private async Task<IPAddress> ResolveAsync(CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(spec.Host, out var literal)) return literal;
        try
        {
            var found = await Dns.GetHostAddressesAsync(spec.Host, cancellationToken);
            return found.FirstOrDefault()
                ?? throw new AlertDeliveryException($"notifier {name}: SNMP manager host {spec.Host} has no address");
        }
        catch (SocketException e)
        {
            throw new AlertDeliveryException($"notifier {name}: SNMP manager host {spec.Host} does not resolve ({e.SocketErrorCode})", isTransient: true, e);
        }
    }

    /// <summary>Waits up to <paramref name="wait"/> for the Response to <paramref name="requestId"/>; other datagrams are ignored.</summary>
    private async Task<bool> AwaitResponseAsync(UdpClient udp, int requestId, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var tryTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        tryTimeout.CancelAfter(wait);
        try
        {
            while (true)
            {
                var received = await udp.ReceiveAsync(tryTimeout.Token);
                if (!SnmpMessage.TryReadResponse(received.Buffer, out var id, out var status) || id != requestId) continue;
                if (status != 0) throw new AlertDeliveryException($"notifier {name}: SNMP manager {spec.Host}:{spec.Port} refused the inform (error-status {status})");
                return true;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // ICMP port unreachable: nothing listens there now; the dispatcher tries again later.
            throw new AlertDeliveryException($"notifier {name}: SNMP manager {spec.Host}:{spec.Port} is not listening (port unreachable)", isTransient: true, e);
        }
    }
}
