using System.Net;
using System.Net.Sockets;
using Rotor.Scan;

namespace Rotor.Tests.Scan;

/// <summary>
/// The scanner's own ClientHello and its reading of the server's first flight: what it offers, what
/// it learns from a ServerHello (version, suite, certificates), and that any bytes, however broken,
/// give an answer and never an exception.
/// </summary>
public class ClientHelloProbeTests
{
    private static readonly ushort[] Weak = [.. TlsSuites.Weak.Keys];

    /// <summary>A ServerHello record (RFC 5246 §7.4.1.3) choosing <paramref name="suite"/> at <paramref name="version"/>.</summary>
    private static byte[] ServerHello(ushort version, ushort suite)
    {
        byte[] body = [(byte)(version >> 8), (byte)version, .. new byte[32], 0, (byte)(suite >> 8), (byte)suite, 0];
        byte[] handshake = [2, 0, 0, (byte)body.Length, .. body];
        return [22, 3, 1, 0, (byte)handshake.Length, .. handshake];
    }

    private static Task<ClientHelloProbe.Outcome> Read(byte[] flight, ushort offered, IReadOnlyCollection<ushort> suites) =>
        ClientHelloProbe.ReadFlightAsync(new MemoryStream(flight), offered, suites, default);

    [Fact]
    public void The_hello_offers_exactly_the_version_and_suites_asked_with_sni()
    {
        var hello = ClientHelloProbe.Build(0x0303, Weak, "sbc.example.test");
        Assert.Equal(22, hello[0]);
        Assert.Equal(hello.Length - 5, (hello[3] << 8) | hello[4]);
        Assert.Equal(1, hello[5]); // client_hello
        Assert.Equal(0x0303, (hello[9] << 8) | hello[10]);
        var suitesAt = 9 + 2 + 32 + 1;
        var suitesLength = (hello[suitesAt] << 8) | hello[suitesAt + 1];
        var offered = Enumerable.Range(0, suitesLength / 2).Select(i => (ushort)((hello[suitesAt + 2 + i * 2] << 8) | hello[suitesAt + 3 + i * 2])).ToList();
        Assert.Equal([.. Weak, (ushort)0x00FF], offered);
        Assert.True(hello.AsSpan().IndexOf("sbc.example.test"u8) > 0);
    }

    [Fact]
    public async Task A_server_hello_with_an_offered_weak_suite_is_accepted_and_named()
    {
        var outcome = await Read(ServerHello(0x0303, 0x000A), 0x0303, Weak);
        Assert.True(outcome.Accepted);
        Assert.Equal("TLS_RSA_WITH_3DES_EDE_CBC_SHA", TlsSuites.Name(outcome.Suite!.Value));
    }

    [Fact]
    public async Task An_alert_a_suite_not_offered_or_a_higher_version_is_not_acceptance()
    {
        Assert.False((await Read([21, 3, 1, 0, 2, 2, 70], 0x0301, Weak)).Accepted);
        Assert.False((await Read(ServerHello(0x0303, 0xC02F), 0x0303, Weak)).Accepted);
        Assert.False((await Read(ServerHello(0x0303, 0x000A), 0x0301, Weak)).Accepted);
        Assert.False((await Read([], 0x0301, Weak)).Accepted);
    }

    [Fact]
    public async Task The_certificates_of_a_legacy_flight_are_read()
    {
        byte[] der = [0x30, 0x03, 0x02, 0x01, 0x01];
        byte[] certList = [0, 0, (byte)(der.Length + 3), 0, 0, (byte)der.Length, .. der];
        byte[] certMsg = [11, 0, 0, (byte)certList.Length, .. certList];
        byte[] flight = [.. ServerHello(0x0301, 0xC013), 22, 3, 1, 0, (byte)certMsg.Length, .. certMsg];
        var outcome = await Read(flight, 0x0301, [0xC013]);
        Assert.True(outcome.Accepted);
        Assert.Equal(der, Assert.Single(outcome.Certificates));
    }

    [Fact]
    public async Task Any_bytes_give_an_outcome_never_an_exception()
    {
        var random = new Random(16);
        var valid = ServerHello(0x0303, 0x000A);
        for (var i = 0; i < 3000; i++)
        {
            byte[] flight;
            if (i % 2 == 0)
            {
                flight = new byte[random.Next(0, 200)];
                random.NextBytes(flight);
                if (flight.Length > 3) { flight[0] = 22; flight[1] = 3; }
            }
            else
            {
                flight = (byte[])valid.Clone();
                flight[random.Next(flight.Length)] = (byte)random.Next(256);
                flight = flight[..random.Next(flight.Length + 1)];
            }
            var outcome = await Read(flight, 0x0303, Weak);
            Assert.True(outcome.Accepted || outcome.Error is not null);
        }
    }

    [Fact]
    public async Task Against_a_server_that_picks_3des_the_probe_names_it_over_a_real_connection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[4096];
            _ = await stream.ReadAsync(buffer);
            await stream.WriteAsync(ServerHello(0x0303, 0x000A));
            await stream.WriteAsync(new byte[] { 22, 3, 3, 0, 4, 14, 0, 0, 0 }); // ServerHelloDone
        });
        var outcome = await ClientHelloProbe.RunAsync("127.0.0.1", port, null, 0x0303, Weak, TimeSpan.FromSeconds(10), TimeProvider.System, default);
        await server;
        Assert.True(outcome.Accepted, outcome.Error);
        Assert.Equal((ushort)0x000A, outcome.Suite!.Value);
    }
}
