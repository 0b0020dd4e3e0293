using System.Diagnostics;
using Rotor.Core.Validation;

namespace Rotor.Tests.Certificates;

/// <summary>The PEM scan is one pass: it stops at the first broken block and at its cap, so hostile text costs linear time.</summary>
public sealed class PemBlocksTests
{
    private const string Header = "-----BEGIN CERTIFICATE-----\n";

    [Fact]
    public void Blocks_are_found_in_order_with_their_lines_and_text_around_them_is_ignored()
    {
        var text = "subject=CN=x\n-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\nnotes\n\n-----BEGIN PRIVATE KEY-----\r\nAwQF\r\n-----END PRIVATE KEY-----";

        var scan = PemBlocks.Scan(text, 10);

        Assert.True(scan.Ok, scan.Error);
        Assert.Equal([("CERTIFICATE", 2), ("PRIVATE KEY", 7)], scan.Blocks.Select(b => (b.Label, b.Line)));
        Assert.Equal([0, 1, 2], scan.Blocks[0].TryDecode());
        Assert.Equal([3, 4, 5], scan.Blocks[1].TryDecode());
    }

    [Theory]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAEC\n", "line 1: BEGIN CERTIFICATE has no END boundary")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAEC\n-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n", "line 1: BEGIN CERTIFICATE is not closed before the next BEGIN at line 3")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAEC\n-----END PRIVATE KEY-----\n", "line 1: BEGIN CERTIFICATE ends with a different END boundary at line 3")]
    [InlineData("x\n-----BEGIN \n", "line 2: a BEGIN boundary without a well-formed label")]
    [InlineData("-----BEGIN CERTIFICATE\nAAEC\n-----END CERTIFICATE-----\n", "line 1: a BEGIN boundary without a well-formed label")]
    public void A_broken_block_stops_the_scan_with_its_line(string text, string error)
    {
        var scan = PemBlocks.Scan(text, 10);

        Assert.False(scan.Ok);
        Assert.StartsWith(error, scan.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_longer_than_the_cap_is_not_pem()
    {
        var text = "-----BEGIN " + new string('A', 100_000) + "-----\n";

        Assert.Contains("well-formed label", PemBlocks.Scan(text, 10).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void One_hundred_thousand_begin_lines_stop_at_the_first_one_in_bounded_time()
    {
        var text = string.Concat(Enumerable.Repeat(Header, 100_000));

        var clock = Stopwatch.StartNew();
        var scan = PemBlocks.Scan(text, 100);
        clock.Stop();

        // The error names line 1: the scan gave up at the first BEGIN, instead of seeking an END after each.
        Assert.Equal("line 1: BEGIN CERTIFICATE has no END boundary", scan.Error);
        Assert.Empty(scan.Blocks);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Many_tiny_blocks_stop_at_the_cap()
    {
        var text = string.Concat(Enumerable.Repeat("-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n", 100_000));

        var scan = PemBlocks.Scan(text, 100);

        Assert.True(scan.LimitReached);
        Assert.Equal(100, scan.Blocks.Count);
        Assert.StartsWith("more than 100 PEM blocks (block 101 begins at line 301)", scan.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("!!!!")]
    [InlineData("AAE")]
    public void A_body_that_is_empty_or_not_base64_does_not_decode(string body)
    {
        var scan = PemBlocks.Scan($"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n", 10);

        Assert.Null(Assert.Single(scan.Blocks).TryDecode());
    }
}
