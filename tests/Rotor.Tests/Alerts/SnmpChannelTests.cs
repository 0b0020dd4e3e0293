using System.Text;
using System.Text.RegularExpressions;
using Org.BouncyCastle.Asn1;
using Rotor.Alerts.Channels;
using Rotor.Core.Alerts;
using Rotor.Testing;

namespace Rotor.Tests.Alerts;

/// <summary>The SNMPv2c PDUs Rotor encodes, read back with an independent ASN.1 walk, and the OIDs of deploy/snmp/ROTOR-MIB.txt.</summary>
public partial class SnmpChannelTests
{
    internal static OutboxMessage Message(AlertNotificationKind kind = AlertNotificationKind.Firing, string summary = "Certificate sip-edge expires in 6 days") => new()
    {
        Notifier = "traps",
        IdempotencyKey = "CertificateExpiring/sip-edge@1800000000/7d#1",
        Kind = kind,
        CreatedAt = new DateTimeOffset(2027, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Alert = new AlertState
        {
            Key = "CertificateExpiring/sip-edge",
            Rule = "CertificateExpiring",
            Severity = AlertSeverity.Warning,
            Labels = new Dictionary<string, string> { ["alertname"] = "CertificateExpiring", ["certificate"] = "sip-edge", ["issuer"] = "local" },
            Summary = summary,
            FiringSince = new DateTimeOffset(2027, 1, 1, 12, 30, 45, 600, TimeSpan.Zero),
        },
    };

    [GeneratedRegex(@"^(\w+)[ \t]+(?:MODULE-IDENTITY|OBJECT-TYPE|NOTIFICATION-TYPE|OBJECT IDENTIFIER|OBJECT-GROUP|NOTIFICATION-GROUP|MODULE-COMPLIANCE)\b.*?::=\s*\{\s*(\w+)\s+([\d\s]+)\}", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Definition();

    /// <summary>Every descriptor of the MIB file with its OID, resolved from <c>enterprises</c>.</summary>
    private static Dictionary<string, string> MibOids()
    {
        var text = File.ReadAllText(Path.Combine(Checkout.Root(), "deploy", "snmp", "ROTOR-MIB.txt"));
        // Comments run from "--" to the end of the line.
        text = string.Join('\n', text.Split('\n').Select(l => l.Contains("--", StringComparison.Ordinal) ? l[..l.IndexOf("--", StringComparison.Ordinal)] : l));
        var oids = new Dictionary<string, string> { ["enterprises"] = "1.3.6.1.4.1" };
        var pending = Definition().Matches(text).Select(m => (Name: m.Groups[1].Value, Parent: m.Groups[2].Value, Arcs: string.Join('.', m.Groups[3].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)))).ToList();
        while (pending.Count > 0)
        {
            var ready = pending.Where(p => oids.ContainsKey(p.Parent)).ToList();
            Assert.NotEmpty(ready);
            foreach (var p in ready) oids[p.Name] = oids[p.Parent] + "." + p.Arcs;
            pending.RemoveAll(ready.Contains);
        }
        oids.Remove("enterprises");
        return oids;
    }

    [Fact]
    public void The_oids_in_the_code_are_those_of_the_mib_file()
    {
        var mib = MibOids();
        foreach (var (descriptor, oid) in RotorMib.All)
        {
            Assert.True(mib.TryGetValue(descriptor, out var inFile), $"{descriptor} is not defined in ROTOR-MIB.txt");
            Assert.Equal(inFile, oid);
        }
        // And the other way: every object and notification of the file is one the code sends.
        var code = RotorMib.All.Select(d => d.Descriptor).ToHashSet();
        var objectsAndNotifications = mib.Keys.Where(k => k.StartsWith("rotorAlert", StringComparison.Ordinal) && !k.EndsWith("Group", StringComparison.Ordinal));
        Assert.All(objectsAndNotifications, name => Assert.Contains(name, code));
        Assert.StartsWith("1.3.6.1.4.1.32473.", RotorMib.Module, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trap_is_an_snmpv2c_message_with_uptime_trap_oid_and_the_rotor_objects()
    {
        var bytes = SnmpMessage.Encode(Encoding.ASCII.GetBytes("c0mmunity"), SnmpMessage.TrapTag, 4242, SnmpChannel.Varbinds(Message(), 12345));
        var message = (Asn1Sequence)Asn1Object.FromByteArray(bytes);
        Assert.Equal(1, ((DerInteger)message[0]).IntValueExact);
        Assert.Equal("c0mmunity", Encoding.ASCII.GetString(((Asn1OctetString)message[1]).GetOctets()));
        var pdu = (Asn1TaggedObject)message[2];
        Assert.Equal(Asn1Tags.ContextSpecific, pdu.TagClass);
        Assert.Equal(7, pdu.TagNo);
        var fields = Asn1Sequence.GetInstance(pdu, false);
        Assert.Equal(4242, ((DerInteger)fields[0]).IntValueExact);
        var varbinds = ((Asn1Sequence)fields[3]).Cast<Asn1Sequence>().ToList();
        var names = varbinds.Select(v => ((DerObjectIdentifier)v[0]).Id).ToList();
        Assert.Equal(["1.3.6.1.2.1.1.3.0", "1.3.6.1.6.3.1.1.4.1.0", .. RotorMib.NotificationObjects.Select(o => o.Oid + ".0")], names);
        var uptime = (Asn1TaggedObject)varbinds[0][1];
        Assert.Equal((Asn1Tags.Application, 3), (uptime.TagClass, uptime.TagNo));
        Assert.Equal(12345, ((DerInteger)uptime.GetBaseUniversal(false, Asn1Tags.Integer)).IntValueExact);
        Assert.Equal(RotorMib.AlertFiring, ((DerObjectIdentifier)varbinds[1][1]).Id);
        string Text(int i) => Encoding.UTF8.GetString(((Asn1OctetString)varbinds[i][1]).GetOctets());
        Assert.Equal("CertificateExpiring/sip-edge", Text(2));
        Assert.Equal(2, ((DerInteger)varbinds[4][1]).IntValueExact);
        Assert.Equal("sip-edge", Text(6));
        Assert.Equal("", Text(7));
        Assert.Equal("local", Text(8));
        Assert.Equal(new byte[] { 0x07, 0xEB, 1, 1, 12, 30, 45, 6, (byte)'+', 0, 0 }, ((Asn1OctetString)varbinds[10][1]).GetOctets());

        var resolved = SnmpChannel.Varbinds(Message(AlertNotificationKind.Resolved), 0);
        Assert.Equal(RotorMib.AlertResolved, Assert.IsType<SnmpMessage.Oid>(resolved[1].Value).Dotted);
    }

    [Fact]
    public void Long_texts_are_cut_to_255_octets_at_a_character_boundary()
    {
        var text = SnmpChannel.Text(new string('x', 254) + "ü and more");
        Assert.Equal(254, text.Octets.Length);
        Assert.Equal(new string('x', 254), Encoding.UTF8.GetString(text.Octets));
    }

    [Fact]
    public void Only_an_snmpv2c_response_is_read_as_the_answer_to_an_inform()
    {
        var response = SnmpMessage.Encode([1, 2], SnmpMessage.ResponseTag, 77, []);
        Assert.True(SnmpMessage.TryReadResponse(response, out var id, out var status));
        Assert.Equal((77, 0), (id, status));
        Assert.False(SnmpMessage.TryReadResponse(SnmpMessage.Encode([1, 2], SnmpMessage.TrapTag, 77, []), out _, out _));
        Assert.False(SnmpMessage.TryReadResponse(new byte[] { 0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x02 }, out _, out _));
        Assert.False(SnmpMessage.TryReadResponse(Encoding.ASCII.GetBytes("hello"), out _, out _));
        Assert.False(SnmpMessage.TryReadResponse([], out _, out _));
        // Every prefix of a valid answer is refused, none throws.
        for (var n = 1; n < response.Length; n++) Assert.False(SnmpMessage.TryReadResponse(response.AsSpan(0, n), out _, out _));
    }
}
