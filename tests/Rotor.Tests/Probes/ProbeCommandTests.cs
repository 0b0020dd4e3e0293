using System.Globalization;
using System.Text.Json;
using Rotor.Cli;
using Rotor.Probes;
using Rotor.Tests.Support;

namespace Rotor.Tests.Probes;

public sealed class ProbeCommandTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly TempDir _dir = new();

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await RotorCli.InvokeAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("sip.example.test", "endpoint: 'sip.example.test' has no port")]
    [InlineData("sip.example.test:0", "endpoint: port '0' must be a number from 1 to 65535")]
    [InlineData("sip.example.test:65536", "endpoint: port '65536' must be a number from 1 to 65535")]
    [InlineData("2001:db8::1:5061", "endpoint: '2001:db8::1:5061' has more than one ':'; write an IPv6 address in brackets")]
    [InlineData("[sip.example.test]:5061", "endpoint: 'sip.example.test' in brackets is not an IPv6 address")]
    [InlineData("bad host:5061", "endpoint: 'bad host' is not a DNS name or an IP address")]
    public async Task A_bad_endpoint_exits_2_naming_the_argument_and_the_rule(string endpoint, string message)
    {
        var (code, _, err) = await RunAsync("probe", endpoint);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--count", "0", "--count: must be at least 1 (got 0)")]
    [InlineData("--interval", "soon", "--interval: 'soon' is not a duration like 1s, 200ms or 0s")]
    [InlineData("--timeout", "0s", "--timeout: '0s' is not a positive duration like 5s")]
    [InlineData("--trust", "/nonexistent/roots.pem", "--trust: file not found: /nonexistent/roots.pem")]
    [InlineData("--sni", "bad name", "--sni: 'bad name' is not a host name")]
    public async Task A_bad_option_exits_2_naming_the_option_and_the_rule(string option, string value, string message)
    {
        var (code, _, err) = await RunAsync("probe", "127.0.0.1:5061", option, value);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trust_file_without_certificates_exits_2()
    {
        var path = _dir.Write("empty.pem", "nothing here\n");

        var (code, _, err) = await RunAsync("probe", "127.0.0.1:5061", "--trust", path);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("--trust: " + path + " is not readable PEM: no '-----BEGIN CERTIFICATE-----' block", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_probes_report_each_fingerprint_and_a_summary_as_json()
    {
        using var leaf = _pki.IssueLeaf();
        await using var server = new TestTlsServer(leaf, [_pki.Intermediate]);
        var trust = _dir.Write("roots.pem", _pki.Root.ExportCertificatePem());

        var (code, output, err) = await RunAsync("probe", $"127.0.0.1:{server.Port}", "--sni", "localhost", "--trust", trust,
            "--count", "3", "--interval", "0s", "-o", "json");

        Assert.True(code == ExitCodes.Ok, err);
        using var json = JsonDocument.Parse(output);
        var probes = json.RootElement.GetProperty("probes").EnumerateArray().ToList();
        Assert.Equal(3, probes.Count);
        Assert.All(probes, p =>
        {
            Assert.True(p.GetProperty("success").GetBoolean());
            Assert.Equal(TestPki.Sha256(leaf), p.GetProperty("sha256").GetString());
            Assert.Equal(2, p.GetProperty("chain").GetArrayLength());
            Assert.True(p.GetProperty("handshakeMs").GetDouble() > 0);
        });
        var summary = json.RootElement.GetProperty("summary");
        Assert.Equal(3, summary.GetProperty("successes").GetInt32());
        Assert.Equal(0, summary.GetProperty("failures").GetInt32());
        Assert.True(summary.GetProperty("handshakeMs").GetProperty("p95").GetDouble() >= summary.GetProperty("handshakeMs").GetProperty("p50").GetDouble());
    }

    [Fact]
    public async Task One_probe_prints_the_certificate_as_a_table()
    {
        using var leaf = _pki.IssueLeaf();
        await using var server = new TestTlsServer(leaf, [_pki.Intermediate]);
        var trust = _dir.Write("roots.pem", _pki.Root.ExportCertificatePem());

        var (code, output, _) = await RunAsync("probe", $"127.0.0.1:{server.Port}", "--sni", "localhost", "--trust", trust);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains(TestPki.Sha256(leaf), output, StringComparison.Ordinal);
        Assert.Contains("CN=localhost", output, StringComparison.Ordinal);
        Assert.Contains("2 certificate(s)", output, StringComparison.Ordinal);
        Assert.Contains("1 probe(s) of 127.0.0.1:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_untrusted_endpoint_exits_1_and_says_why()
    {
        using var other = new TestPki("Other");
        using var leaf = _pki.IssueLeaf();
        await using var server = new TestTlsServer(leaf, [_pki.Intermediate]);
        var trust = _dir.Write("other.pem", other.Root.ExportCertificatePem());

        var (code, output, _) = await RunAsync("probe", $"127.0.0.1:{server.Port}", "--trust", trust, "--count", "2", "--interval", "0s");

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("probe 1: FAILED", output, StringComparison.Ordinal);
        Assert.Contains("chain not trusted", output, StringComparison.Ordinal);
        Assert.Contains("0 succeeded, 2 failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_exits_1()
    {
        var (code, output, _) = await RunAsync("probe", $"127.0.0.1:{TlsProbeTests.UnusedPort()}", "-o", "json");

        Assert.Equal(ExitCodes.Failed, code);
        using var json = JsonDocument.Parse(output);
        var probe = json.RootElement.GetProperty("probes")[0];
        Assert.Equal("connect", probe.GetProperty("failure").GetString());
        Assert.Equal("connect: connection refused", probe.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData(new[] { 5.0, 1, 3, 2, 4 }, 50, 3.0)]
    [InlineData(new[] { 5.0, 1, 3, 2, 4 }, 95, 5.0)]
    [InlineData(new[] { 7.0 }, 95, 7.0)]
    public void Percentiles_are_nearest_rank(double[] values, double percent, double expected)
    {
        var sorted = values.Order().Select(TimeSpan.FromMilliseconds).ToList();

        Assert.Equal(TimeSpan.FromMilliseconds(expected), ProbeSummary.Percentile(sorted, percent));
    }

    public void Dispose()
    {
        _pki.Dispose();
        _dir.Dispose();
    }
}
