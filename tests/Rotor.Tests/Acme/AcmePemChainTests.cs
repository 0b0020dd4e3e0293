using System.Diagnostics;
using System.Text;
using Rotor.Acme.Orders;
using Rotor.Acme.Transport;

namespace Rotor.Tests.Acme;

/// <summary>The certificate chain a server sends is read in bounded time, however it is made.</summary>
public class AcmePemChainTests
{
    [Theory]
    [InlineData("-----BEGIN CERTIFICATE-----\n")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n")]
    public void A_chain_body_of_many_unterminated_pem_headers_is_refused_at_once(string line)
    {
        // 4 MiB, the most the client reads of a chain: about 150,000 headers without an END line.
        var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(line, 4 * 1024 * 1024 / line.Length)));
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<AcmeException>(() => PemChain.Read(body, "the certificate chain"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.Contains("the certificate chain", e.Message, StringComparison.Ordinal);
    }
}
