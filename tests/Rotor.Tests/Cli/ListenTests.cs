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
}
