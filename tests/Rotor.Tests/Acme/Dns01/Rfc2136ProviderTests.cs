using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Rotor.Acme.Challenges.Dns01;
using Rotor.Acme.Transport;

namespace Rotor.Tests.Acme.Dns01;

public class Rfc2136ProviderTests
{
    private const string Secret = "c2VjcmV0LXRzaWcta2V5LWZvci1yb3Rvci10ZXN0cy0xMjM0NTY3ODkwYWJjZGVm";

    [Theory]
    [InlineData("hmac-sha256")]
    [InlineData("HMAC-SHA512.")]
    [InlineData("hmac-sha384")]
    [InlineData("hmac-sha224")]
    [InlineData("hmac-sha1")]
    public void Supported_algorithms_are_accepted(string algorithm) =>
        Assert.NotNull(new Rfc2136Provider(new Rfc2136Options { Server = "127.0.0.1:15353", KeyName = "k", Secret = Secret, Algorithm = algorithm }));

    [Fact]
    public void Unsupported_algorithms_are_config_errors()
    {
        var e = Assert.Throws<AcmeException>(() => new Rfc2136Provider(new Rfc2136Options { Server = "127.0.0.1", KeyName = "k", Secret = Secret, Algorithm = "hmac-md5" }));
        Assert.Equal(Dns01Causes.Config, e.ProblemType);
        Assert.Contains("'hmac-md5' is not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_secret_is_not_in_ToString()
    {
        var options = new Rfc2136Options { Server = "127.0.0.1:15353", KeyName = "rotor-key", Secret = Secret, Algorithm = "hmac-sha512" };
        Assert.Equal("rfc2136 127.0.0.1:15353 key rotor-key (hmac-sha512)", options.ToString());
        Assert.Equal(options.ToString(), new Rfc2136Provider(options).ToString());
    }

    [Fact]
    public void A_secret_that_is_not_base64_is_reported_without_showing_it()
    {
        const string notBase64 = "not base64 but very secret!";
        var e = Assert.Throws<AcmeException>(() => new Rfc2136Provider(new Rfc2136Options { Server = "127.0.0.1", KeyName = "rotor-key", Secret = notBase64 }));
        Assert.Equal("rfc2136: the TSIG secret of key rotor-key is not valid base64", e.Message);
        Assert.DoesNotContain("secret!", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_fails_fast_naming_the_server_and_not_the_secret()
    {
        var port = ClosedUdpPort();
        var provider = new Rfc2136Provider(new Rfc2136Options { Server = $"127.0.0.1:{port}", KeyName = "rotor-key", Secret = Secret, Timeout = TimeSpan.FromSeconds(2) });
        var watch = Stopwatch.StartNew();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.AddTxtAsync("_acme-challenge.a.example.test.", "example.test.", "v", bound.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.StartsWith($"DNS server 127.0.0.1:{port} did not answer (adding TXT _acme-challenge.a.example.test in zone example.test", e.Message, StringComparison.Ordinal);
        Assert.Equal(Dns01Causes.Unreachable, e.ProblemType);
        Assert.True(e.IsTransient);
        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A UDP port on 127.0.0.1 that nothing listens on now.</summary>
    internal static int ClosedUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
