using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Rotor.Cli;
using Rotor.Tests.Certificates;
using Rotor.Tests.Support;
using Rotor.Tests.Validation;

namespace Rotor.Tests.Cli;

/// <summary>What <c>rotor verify</c> says when the trust, the file or its content is the problem.</summary>
public sealed class VerifyMessageTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await RotorCli.InvokeAsync(["verify", .. args], output, error, new FakeTimeProvider(TestPki.Now));
        return (code, output.ToString(), error.ToString());
    }

    private static string ChainMessage(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("results").EnumerateArray()
            .Single(r => r.GetProperty("rule").GetString() == "chain-trusted").GetProperty("message").GetString()!;
    }

    [Fact]
    public async Task A_leaf_signed_by_a_root_nobody_trusts_says_the_root_is_not_trusted_and_how_to_trust_it()
    {
        var root = TestPki.CreateRoot("CN=Private SIP Root, O=Example");
        var leaf = _dir.Write("leaf.pem", MalformedCertificates.Pem(TestPki.CreateLeaf(new LeafOptions { Issuer = root }).Certificate));

        var (code, json, _) = await RunAsync("--cert", leaf, "-o", "json");

        Assert.Equal(ExitCodes.Failed, code);
        var message = ChainMessage(json);
        Assert.Contains("the issuer 'CN=Private SIP Root, O=Example' of 'CN=sip.example.com, O=Rotor Test' is not a trusted root (it is not in the system trust store)", message, StringComparison.Ordinal);
        Assert.Contains("pass it with --trust ROOT.pem", message, StringComparison.Ordinal);
        Assert.DoesNotContain("an intermediate is not present", message, StringComparison.Ordinal);

        // With that root given, the same leaf passes the rule.
        var (ok, passed, _) = await RunAsync("--cert", leaf, "--trust", _dir.Write("root.pem", MalformedCertificates.Pem(root.Certificate)), "-o", "json");
        Assert.StartsWith("builds to the configured trust", ChainMessage(passed), StringComparison.Ordinal);
        Assert.Equal(0, ok);
    }

    [Fact]
    public async Task A_chain_that_carries_its_own_untrusted_root_says_that_root_is_not_trusted()
    {
        var other = TestPki.CreateRoot("CN=Some Other Root");
        var leaf = _dir.Write("leaf.pem", MalformedCertificates.Pem(TestPki.CreateLeaf().Certificate));
        var chain = _dir.Write("chain.pem", MalformedCertificates.Pem(TestPki.Intermediate.Certificate) + MalformedCertificates.Pem(TestPki.Root.Certificate));

        var (code, json, _) = await RunAsync("--cert", leaf, "--chain", chain, "--trust", _dir.Write("other.pem", MalformedCertificates.Pem(other.Certificate)), "-o", "json");

        Assert.Equal(ExitCodes.Failed, code);
        var message = ChainMessage(json);
        Assert.Equal("chain does not reach the configured trust: it ends at the root 'CN=Rotor Test Root CA, O=Rotor Test', which is not trusted (it is not among the given trust anchors)", message);
        Assert.DoesNotContain("--trust ROOT.pem", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_certificate_file_names_the_option_and_the_path_plainly()
    {
        var missing = _dir.Combine("nonexistent.pem");

        var (code, _, err) = await RunAsync("--cert", missing);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Equal($"error: --cert: cannot read {missing}: no such file", err.Trim());
    }

    [Fact]
    public async Task A_folder_given_as_a_file_says_it_is_a_folder()
    {
        var (code, _, err) = await RunAsync("--cert", _dir.Path);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Equal($"error: --cert: cannot read {_dir.Path}: it is a folder, not a file", err.Trim());
    }

    [Theory]
    [InlineData("garbage\n", "")]
    [InlineData("\u0001\u0002garbage", " (it holds binary data; if that is DER, which Rotor does not read, convert it with 'openssl x509 -inform der')")]
    public async Task Garbage_is_called_unreadable_pem_not_a_file_without_a_certificate(string content, string hint)
    {
        var garbage = _dir.Write("garbage.pem", content);

        var (code, _, err) = await RunAsync("--cert", garbage);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Equal($"error: --cert: {garbage} is not readable PEM: no '-----BEGIN CERTIFICATE-----' block{hint}", err.Trim());
    }
}
