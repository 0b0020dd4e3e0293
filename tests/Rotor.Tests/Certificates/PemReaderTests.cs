using System.Diagnostics;
using System.Security.Cryptography;
using Rotor.Certificates;
using Rotor.Issuers;
using Rotor.Tests.Support;
using Rotor.Tests.Validation;

namespace Rotor.Tests.Certificates;

/// <summary>Certificate files are read through caps: size, certificate count, linear PEM.</summary>
public sealed class PemReaderTests
{
    [Fact]
    public void A_chain_reads_in_order_and_a_block_that_is_not_a_certificate_is_listed_not_thrown()
    {
        var leaf = TestPki.CreateLeaf();
        var text = MalformedCertificates.Pem(leaf.Certificate) + MalformedCertificates.Pem([0x30, 0x03, 0x02, 0x01, 0x05]) + MalformedCertificates.Pem(TestPki.Intermediate.Certificate);

        var read = PemReader.ReadCertificates(text, 100);

        Assert.Null(read.Error);
        Assert.True(read.FirstDecodes);
        Assert.Equal(3, read.Blocks);
        Assert.Equal([leaf.Certificate.Thumbprint, TestPki.Intermediate.Certificate.Thumbprint], read.Certificates.Select(c => c.Thumbprint));
        Assert.StartsWith("certificate 2 (line ", Assert.Single(read.Undecodable), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_byte_flip_of_a_certificate_reads_as_a_certificate_or_is_listed_as_undecodable()
    {
        var der = MalformedCertificates.SmallLeaf().Certificate.RawData;
        foreach (var (index, flipped) in MalformedCertificates.ByteFlips(der))
        {
            var read = PemReader.ReadCertificates(MalformedCertificates.Pem(flipped), 100);

            Assert.Null(read.Error);
            Assert.True(read.Certificates.Count + read.Undecodable.Count == 1, $"flip {index}");
        }
    }

    [Fact]
    public void ReadPemChain_keeps_its_contract_and_is_linear()
    {
        Assert.Empty(CertificatePem.ReadPemChain("no pem here"));
        Assert.Single(CertificatePem.ReadPemChain(TestPki.Root.Certificate.ExportCertificatePem()));
        Assert.Throws<CryptographicException>(() => CertificatePem.ReadPemChain(MalformedCertificates.Pem([0x05, 0x00])));

        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<CryptographicException>(() => CertificatePem.ReadPemChain(string.Concat(Enumerable.Repeat("-----BEGIN CERTIFICATE-----\n", 100_000))));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Contains("no END", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reading_stops_one_byte_past_the_cap_so_dev_zero_ends_at_once()
    {
        var clock = Stopwatch.StartNew();
        var (text, error) = await PemReader.ReadTextAsync("/dev/zero", PemLimits.Chain, CancellationToken.None);
        clock.Stop();

        Assert.Null(text);
        Assert.Equal("/dev/zero is larger than 1 MiB; Rotor reads at most 1 MiB from one input", error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_file_of_exactly_the_cap_is_read_and_one_byte_more_is_refused()
    {
        using var dir = new TempDir();
        var limits = new PemLimits(1000, 10);
        var atCap = dir.Write("at.pem", new string('x', 1000));
        var overCap = dir.Write("over.pem", new string('x', 1001));

        Assert.Equal(1000, (await PemReader.ReadTextAsync(atCap, limits, CancellationToken.None)).Text?.Length);
        Assert.Contains("larger than 1000 bytes", (await PemReader.ReadTextAsync(overCap, limits, CancellationToken.None)).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trust_bundle_of_an_operating_system_size_reads()
    {
        using var dir = new TempDir();
        var bundle = dir.Write("bundle.pem", string.Concat(Enumerable.Repeat(TestPki.Root.Certificate.ExportCertificatePem() + "\n", 150)));

        var read = await PemReader.ReadCertificateFileAsync(bundle, PemLimits.TrustBundle, CancellationToken.None);

        Assert.Null(read.Error);
        Assert.Equal(150, read.Certificates.Count);
        Assert.Contains("too long", (await PemReader.ReadCertificateFileAsync(bundle, PemLimits.Chain, CancellationToken.None)).Error, StringComparison.Ordinal);
    }
}
