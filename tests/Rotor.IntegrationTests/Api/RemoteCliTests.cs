using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Rotor.Cli;
using Rotor.IntegrationTests.Support;
using Rotor.Tests.Support;

namespace Rotor.IntegrationTests.Api;

/// <summary>
/// A real <c>rotor run</c> serving HTTPS with a certificate it issued itself (--tls-certificate),
/// and the CLI talking to it with --server: the same output as the local commands.
/// </summary>
public sealed class RemoteCliTests
{
    [Fact]
    public async Task The_remote_cli_gets_describes_renews_and_reads_events_like_the_local_one_over_https()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("rotor.yaml"), LocalCaManifest.Text("dnsNames: [localhost]\nipAddresses: [127.0.0.1]"));
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliAsync("apply", "-f", dir.Combine("rotor.yaml"), "--data", data)).Code);
        var created = await CliAsync("token", "create", "remote-ops", "--role", "operator", "--data", data);
        Assert.Equal(0, created.Code);
        var tokenFile = dir.Write("token", created.Out.Trim().Split('\n')[^1]);

        using var rotor = RotorProcess.Start(dir.Path, null, "run", "--data", data, "--listen", "127.0.0.1:0", "--tls-certificate", "sip-edge");
        await Wait.UntilAsync(() => Regex.IsMatch(rotor.Errors, @"on https://127\.0\.0\.1:\d+") || rotor.HasExited, TimeSpan.FromSeconds(60), () => "listening; stderr:\n" + rotor.Errors);
        Assert.False(rotor.HasExited, rotor.Errors);
        var server = "https://" + Regex.Match(rotor.Errors, @"on https://(127\.0\.0\.1:\d+)").Groups[1].Value;
        string[] remote = ["--server", server, "--token-file", tokenFile, "--server-ca", Path.Combine(data, "ca", "root.pem")];

        // Plain HTTP to the HTTPS listener gets nothing; anonymous HTTPS gets 401.
        using (var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true })
        using (var anonymous = new HttpClient(handler) { BaseAddress = new Uri(server) })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/certificates")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        }

        var localGet = await CliAsync("get", "certificates", "-o", "json", "--data", data);
        var remoteGet = await CliAsync(["get", "certificates", "-o", "json", .. remote]);
        Assert.True(remoteGet.Code == 0, remoteGet.Err);
        Assert.Equal(localGet.Out, remoteGet.Out);
        Assert.Contains("\"sip-edge\"", remoteGet.Out, StringComparison.Ordinal);

        var localDescribe = await CliAsync("describe", "certificate", "sip-edge", "-o", "json", "--data", data);
        var remoteDescribe = await CliAsync(["describe", "certificate", "sip-edge", "-o", "json", .. remote]);
        Assert.Equal(localDescribe.Out, remoteDescribe.Out);
        var table = await CliAsync(["describe", "certificate", "sip-edge", .. remote]);
        Assert.Contains("Name:           sip-edge", table.Out, StringComparison.Ordinal);

        // Before the renewal there is no earlier version to go back to: the server's 409 reaches the user.
        // (After it, the running rotor may already have a second version, and a rollback would succeed.)
        var rollback = await CliAsync(["rollback", "sip-edge", .. remote]);
        Assert.Equal(ExitCodes.Failed, rollback.Code);
        Assert.Contains("409", rollback.Err, StringComparison.Ordinal);
        var renew = await CliAsync(["renew", "sip-edge", .. remote]);
        Assert.True(renew.Code == 0, renew.Err);
        Assert.Equal("certificate/sip-edge marked for renewal\n", renew.Out);

        // The running rotor acts on the renewal meanwhile: the remote list (read second) holds the local one, then maybe more.
        var localEvents = await CliAsync("events", "--name", "sip-edge", "--limit", "100", "-o", "json", "--data", data);
        var remoteEvents = await CliAsync(["events", "--name", "sip-edge", "--limit", "100", "-o", "json", .. remote]);
        var local = JsonDocument.Parse(localEvents.Out).RootElement.EnumerateArray().Select(e => e.ToString()).ToList();
        var fromServer = JsonDocument.Parse(remoteEvents.Out).RootElement.EnumerateArray().Select(e => e.ToString()).ToList();
        Assert.True(local.Count >= 3, localEvents.Out);
        Assert.Equal(local, fromServer.Take(local.Count));
        Assert.Contains(JsonDocument.Parse(remoteEvents.Out).RootElement.EnumerateArray(),
            e => e.GetProperty("message").GetString() == "manual renewal requested by token remote-ops");

        // A missing token and an unknown certificate are clear errors.
        var noToken = await CliAsync("get", "certificates", "--server", server);
        Assert.Equal(ExitCodes.InvalidInput, noToken.Code);
        Assert.Contains("ROTOR_TOKEN", noToken.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, (await CliAsync(["describe", "certificate", "nope", .. remote])).Code);

        var token = File.ReadAllText(tokenFile).Trim();
        Assert.DoesNotContain(token, rotor.Errors + rotor.Output, StringComparison.Ordinal);
        rotor.Terminate();
        Assert.Equal(0, await rotor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Rotor_run_refuses_a_non_loopback_listen_without_tls()
    {
        using var dir = new TempDir();
        var (code, _, err) = await RotorProcess.RunAsync(dir.Path, TimeSpan.FromSeconds(60), "run", "--data", dir.Combine("data"), "--listen", "0.0.0.0:0");
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("--tls-certificate", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("data")), "nothing is created for a refused run");
    }

    private static async Task<(int Code, string Out, string Err)> CliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var cli = new CliContext(output, error, TimeProvider.System) { Environment = name => name == "ROTOR_TOKEN" ? null : Environment.GetEnvironmentVariable(name) };
        var code = await RotorCli.InvokeAsync(cli, args);
        return (code, output.ToString(), error.ToString());
    }
}
