using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Rotor.Cli;
using Rotor.Core.Validation;
using Rotor.Tests.Certificates;
using Rotor.Tests.Support;
using Rotor.Tests.Validation;

namespace Rotor.Tests.Cli;

/// <summary>
/// <c>rotor verify</c> on hostile files: malformed certificate content fails a named rule (exit 1,
/// the table printed); input that cannot be read, is too large or is not PEM is refused (exit 2)
/// with the option named; every case ends in bounded time.
/// </summary>
public sealed class VerifyHostileTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);
    private readonly TempDir _dir = new();
    private readonly string _chain;
    private readonly string _root;

    public VerifyHostileTests()
    {
        _chain = _dir.Write("chain.pem", MalformedCertificates.Pem(TestPki.Intermediate.Certificate));
        _root = _dir.Write("root.pem", MalformedCertificates.Pem(TestPki.Root.Certificate));
    }

    public void Dispose() => _dir.Dispose();

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await RotorCli.InvokeAsync(["verify", .. args], output, error, new FakeTimeProvider(TestPki.Now));
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>verify with the good chain and root around <paramref name="certPem"/>; JSON when <paramref name="json"/>.</summary>
    private async Task<(int Code, string Out, string Err)> VerifyLeafAsync(string certPem, bool json = false, params string[] more)
    {
        var cert = _dir.Write($"leaf-{Guid.NewGuid():N}.pem", certPem);
        string[] args = ["--cert", cert, "--chain", _chain, "--trust", _root, "--name", "sip.example.com", .. more];
        return await RunAsync(json ? [.. args, "-o", "json"] : args);
    }

    private static Dictionary<string, (string Status, string Message)> Results(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("results").EnumerateArray().ToDictionary(
            r => r.GetProperty("rule").GetString()!,
            r => (r.GetProperty("status").ToString(), r.GetProperty("message").GetString()!));
    }

    private static void AssertRuleFailedInTable(string output, string rule)
    {
        Assert.Matches($@"{rule}\s*│\s*FAIL", output);
        Assert.Contains("FAILED:", output, StringComparison.Ordinal);
    }

    public static TheoryData<string> ClassNames() => [.. MalformedCertificates.Classes().Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(ClassNames))]
    public async Task Each_malformed_class_exits_1_with_its_rule_failed_in_the_table(string name)
    {
        var c = MalformedCertificates.Classes().Single(x => x.Name == name);
        var pem = MalformedCertificates.Pem(c.Leaf.Certificate);

        var (code, table, err) = await VerifyLeafAsync(pem);
        Assert.Equal(ExitCodes.Failed, code);
        Assert.Equal("", err);
        AssertRuleFailedInTable(table, c.Rule);

        var (_, json, _) = await VerifyLeafAsync(pem, json: true);
        var results = Results(json);
        Assert.Equal(ValidationRules.All.Count, results.Count);
        Assert.Contains(results.Values, r => r.Status == "Failed" && r.Message.Contains(c.Part, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Byte_flips_of_a_certificate_exit_1_with_a_named_rule_and_none_passes()
    {
        // Every 4th byte and the whole header: a run costs some 10 ms here, and every single flip
        // goes through the reader (PemReaderTests) and the validator (MalformedCertificateTests).
        var der = MalformedCertificates.SmallLeaf().Certificate.RawData;
        var undecodable = 0;
        foreach (var (index, flipped) in MalformedCertificates.ByteFlips(der).Where(f => f.Index < 16 || f.Index % 4 == 0))
        {
            var (code, json, err) = await VerifyLeafAsync(MalformedCertificates.Pem(flipped), json: true);

            Assert.True(code == ExitCodes.Failed && err == "", $"flip of byte {index}: exit {code}, {err}");
            var failed = Results(json).Where(r => r.Value.Status == "Failed").Select(r => r.Key).ToList();
            Assert.NotEmpty(failed);
            if (failed.SequenceEqual([ValidationRules.MalformedCertificate])) undecodable++;
        }
        Assert.True(undecodable > 15, $"{undecodable} flips did not decode at all");
    }

    [Fact]
    public async Task A_first_block_that_is_not_a_certificate_fails_malformed_certificate_and_leaves_the_rest_not_checked()
    {
        var (code, json, err) = await VerifyLeafAsync(MalformedCertificates.Pem([0x30, 0x03, 0x02, 0x01, 0x05]), json: true);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Equal("", err);
        var results = Results(json);
        Assert.StartsWith("--cert: certificate 1 (line 1) is not a DER X.509 certificate", results[ValidationRules.MalformedCertificate].Message, StringComparison.Ordinal);
        Assert.Single(results.Values, r => r.Status == "Failed");
    }

    [Fact]
    public async Task A_chain_block_that_is_not_a_certificate_fails_malformed_certificate_naming_the_option()
    {
        var leaf = TestPki.CreateLeaf();
        var chain = _dir.Write("bad-chain.pem", MalformedCertificates.Pem(TestPki.Intermediate.Certificate) + MalformedCertificates.Pem([0x05, 0x00]));

        var (code, json, _) = await RunAsync("--cert", _dir.Write("l.pem", MalformedCertificates.Pem(leaf.Certificate)), "--chain", chain, "--trust", _root, "-o", "json");

        Assert.Equal(ExitCodes.Failed, code);
        var malformed = Results(json)[ValidationRules.MalformedCertificate];
        Assert.Equal("Failed", malformed.Status);
        Assert.StartsWith("--chain: certificate 2 (line ", malformed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chain_of_5000_certificates_is_refused_by_size_and_a_chain_of_50_fails_chain_length()
    {
        var one = MalformedCertificates.Pem(TestPki.Intermediate.Certificate);
        var leaf = _dir.Write("l.pem", MalformedCertificates.Pem(TestPki.CreateLeaf().Certificate));
        var chain5000 = _dir.Write("5000.pem", string.Concat(Enumerable.Repeat(one, 5000)));

        var clock = Stopwatch.StartNew();
        var (code, _, err) = await RunAsync("--cert", leaf, "--chain", chain5000, "--trust", _root);
        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("--chain: ", err, StringComparison.Ordinal);
        Assert.Contains("larger than 1 MiB", err, StringComparison.Ordinal);

        (code, var table, err) = await RunAsync("--cert", leaf, "--chain", _dir.Write("50.pem", string.Concat(Enumerable.Repeat(one, 50))), "--trust", _root);
        Assert.Equal(ExitCodes.Failed, code);
        Assert.Equal("", err);
        AssertRuleFailedInTable(table, ValidationRules.ChainLength);

        (code, _, err) = await RunAsync("--cert", leaf, "--chain", _dir.Write("150.pem", string.Concat(Enumerable.Repeat(one, 150))), "--trust", _root);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("--chain: ", err, StringComparison.Ordinal);
        Assert.Contains("more than 100 PEM blocks", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--cert")]
    [InlineData("--chain")]
    [InlineData("--trust")]
    [InlineData("--key")]
    [InlineData("--previous")]
    public async Task Dev_zero_as_any_input_ends_at_once_with_exit_2_naming_the_option(string option)
    {
        var leaf = _dir.Write("l.pem", MalformedCertificates.Pem(TestPki.CreateLeaf().Certificate));
        string[] args = option == "--cert" ? ["--cert", "/dev/zero"] : ["--cert", leaf, option, "/dev/zero"];

        var clock = Stopwatch.StartNew();
        var (code, _, err) = await RunAsync(args);
        clock.Stop();

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Equal($"error: {option}: /dev/zero is larger than 1 MiB; Rotor reads at most 1 MiB from one input", err.Trim());
        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData(100_000, "larger than 1 MiB")]
    [InlineData(30_000, "line 1: BEGIN CERTIFICATE has no END boundary")]
    public async Task Many_pem_headers_end_in_bounded_time_with_exit_2(int headers, string message)
    {
        var path = _dir.Write("headers.pem", string.Concat(Enumerable.Repeat("-----BEGIN CERTIFICATE-----\n", headers)));

        var clock = Stopwatch.StartNew();
        var (code, _, err) = await RunAsync("--cert", path);
        clock.Stop();

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.StartsWith("error: --cert: ", err, StringComparison.Ordinal);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Many_tiny_pem_blocks_stop_at_the_certificate_cap_with_exit_2()
    {
        // 15,000 blocks in 840 KB, under the size cap: the reader stops at block 101.
        var path = _dir.Write("tiny.pem", string.Concat(Enumerable.Repeat("-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n", 15_000)));

        var (code, _, err) = await RunAsync("--cert", path);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("more than 100 PEM blocks (block 101 begins at line 301)", err, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Garbage() => new()
    {
        { "random bytes", "binary data" },
        { "text", "no '-----BEGIN CERTIFICATE-----' block" },
        { "empty", "the file is empty" },
        { "not base64", "is not base64" },
        { "key only", "no '-----BEGIN CERTIFICATE-----' block" },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task A_file_that_is_not_pem_certificates_exits_2_saying_so(string kind, string message)
    {
        var content = kind switch
        {
            "random bytes" => new string(RandomNumberGenerator.GetBytes(4096).Select(b => (char)b).ToArray()),
            "text" => "hello\nthis is not a certificate\n",
            "empty" => "",
            "not base64" => "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n",
            _ => TestPki.CreateLeaf().KeyPem,
        };
        var path = _dir.Write("garbage.pem", content);

        foreach (var option in new[] { "--cert", "--chain", "--trust", "--previous" })
        {
            var leaf = _dir.Write("l.pem", MalformedCertificates.Pem(TestPki.CreateLeaf().Certificate));
            var (code, _, err) = await RunAsync(option == "--cert" ? ["--cert", path] : ["--cert", leaf, option, path]);

            Assert.Equal(ExitCodes.InvalidInput, code);
            Assert.StartsWith($"error: {option}: ", err, StringComparison.Ordinal);
            Assert.Contains(message, err, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--cert")]
    [InlineData("--chain")]
    [InlineData("--trust")]
    [InlineData("--key")]
    [InlineData("--previous")]
    public async Task A_missing_file_or_a_folder_exits_2_naming_the_option(string option)
    {
        var leaf = _dir.Write("l.pem", MalformedCertificates.Pem(TestPki.CreateLeaf().Certificate));
        foreach (var path in new[] { _dir.Combine("missing.pem"), _dir.Path })
        {
            var (code, _, err) = await RunAsync(option == "--cert" ? ["--cert", path] : ["--cert", leaf, option, path]);

            Assert.Equal(ExitCodes.InvalidInput, code);
            Assert.StartsWith($"error: {option}: cannot read {path}", err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_trust_anchor_or_previous_certificate_that_does_not_decode_is_invalid_input()
    {
        var leaf = _dir.Write("l.pem", MalformedCertificates.Pem(TestPki.CreateLeaf().Certificate));
        var broken = _dir.Write("broken.pem", MalformedCertificates.Pem([0x05, 0x00]));
        var fiveByteIp = _dir.Write("prev.pem", MalformedCertificates.Pem(MalformedCertificates.Leaf(MalformedCertificates.FiveByteIp).Certificate));

        var (code, _, err) = await RunAsync("--cert", leaf, "--trust", broken);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("--trust: ", err, StringComparison.Ordinal);
        Assert.Contains("is not a DER X.509 certificate", err, StringComparison.Ordinal);

        (code, _, err) = await RunAsync("--cert", leaf, "--previous", fiveByteIp);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("--previous: ", err, StringComparison.Ordinal);
        Assert.Contains("an iPAddress of 5 bytes", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_key_fails_key_unencrypted_without_printing_the_key()
    {
        var leaf = TestPki.CreateLeaf();
        var pkcs8 = leaf.Key.ExportPkcs8PrivateKey();
        var keyPem = PemEncoding.WriteString("PRIVATE KEY", pkcs8[..^3]);
        var key = _dir.Write("key.pem", keyPem);

        var (code, table, err) = await VerifyLeafAsync(MalformedCertificates.Pem(leaf.Certificate), false, "--key", key);

        Assert.Equal(ExitCodes.Failed, code);
        AssertRuleFailedInTable(table, ValidationRules.KeyUnencrypted);
        var body = keyPem.Split('\n')[1];
        Assert.DoesNotContain(body[..16], table + err, StringComparison.Ordinal);
    }
}
