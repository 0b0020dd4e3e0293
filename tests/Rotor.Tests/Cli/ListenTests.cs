using Rotor.Cli;
using Rotor.Tests.Support;

namespace Rotor.Tests.Cli;

public class ListenTests
{
    [Theory]
    [InlineData("0.0.0.0:9477")]
    [InlineData("[::]:9477")]
    [InlineData("192.0.2.10:9477")]
    public async Task A_listen_address_beyond_loopback_is_refused_before_anything_starts(string address)
    {
        using var rotor = new TestRotor();
        var (code, _, err) = await rotor.RunAsync("run", "--listen", address);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("--listen", err, StringComparison.Ordinal);
        Assert.Contains("loopback", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(rotor.Data), "a refused run must not create the data folder");
    }

    [Fact]
    public async Task A_second_run_on_an_address_in_use_says_so_plainly()
    {
        using var rotor = new TestRotor();
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var address = (System.Net.IPEndPoint)taken.LocalEndpoint;
        var (code, _, err) = await rotor.RunAsync("run", "--listen", address.ToString());
        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains($"--listen: cannot listen on {address}", err, StringComparison.Ordinal);
        Assert.DoesNotContain("bug in Rotor", err, StringComparison.Ordinal);
    }
}
