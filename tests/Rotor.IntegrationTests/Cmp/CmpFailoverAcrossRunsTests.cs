using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Rotor.Cli;
using Rotor.Issuers;
using Rotor.IntegrationTests.Support;
using Rotor.Tests.Support;

namespace Rotor.IntegrationTests.Cmp;

/// <summary>
/// A server group whose first server accepts connections and never answers, run as cron runs
/// it: separate <c>rotor reconcile</c> processes. The first times out there and stores the
/// move; the next starts on the second server (OpenSSL's mock CA) and gets the certificate.
/// </summary>
[Collection(CmpLabCollection.Name)]
public class CmpFailoverAcrossRunsTests(CmpLab lab)
{
    private const string Cert = "sbc";

    private static async Task<(int Code, string Out, string Err)> InProcess(TempDir dir, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await RotorCli.InvokeAsync([.. args, "--data", dir.Combine("data")], output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static Task<(int Code, string Out, string Err)> Process(TempDir dir, params string[] args) =>
        RotorProcess.RunAsync(dir.Path, TimeSpan.FromSeconds(90), [.. args, "--data", dir.Combine("data")]);

    [Fact]
    public async Task A_server_that_never_answers_is_left_for_the_next_one_and_the_next_reconcile_process_starts_there()
    {
        if (!lab.Require()) return;
        using var silent = new SilentTcpServer(TimeSpan.FromMinutes(3));
        var hanging = $"http://127.0.0.1:{silent.Port.ToString(CultureInfo.InvariantCulture)}/pkix/";
        var ok = lab.Url("ok").ToString();
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("iak.txt"), lab.Secret + "\n");
        File.Copy(lab.File("ca.crt"), dir.Combine("ca.pem"));
        File.WriteAllText(dir.Combine("rotor.yaml"), $$$"""
            apiVersion: rotor/v1
            kind: Issuer
            metadata: {name: pki}
            spec:
              cmp:
                servers: [{{{hanging}}}, {{{ok}}}]
                sharedSecret: { reference: "{{{lab.Reference}}}", secretRef: { file: iak.txt } }
                recipient: CN=Mock Root CA
                trustedRoots: ca.pem
                polling: {messageTimeout: 2s, totalTimeout: 1m}
            ---
            apiVersion: rotor/v1
            kind: Target
            metadata: {name: out}
            spec: {file: {path: out}}
            ---
            apiVersion: rotor/v1
            kind: Certificate
            metadata: {name: {{{Cert}}}}
            spec:
              commonName: sbc.example.com
              dnsNames: [sbc.example.com]
              usages: [server auth]
              privateKey: {algorithm: ECDSA, size: 256, rotationPolicy: Never}
              issuerRef: {name: pki}
              deploy: [{target: out}]
            """ + "\n");
        var apply = await InProcess(dir, "apply", "-f", dir.Combine("rotor.yaml"));
        Assert.True(apply.Code == 0, apply.Out + apply.Err);
        // The mock CA answers every request with ee1's certificate: the key is ee1's.
        var import = await InProcess(dir, "key", "import", Cert, "--key", lab.File("ee1.key"));
        Assert.True(import.Code == 0, import.Out + import.Err);

        // Run 1: the ir waits 2 s on the silent server, fails, and the group moves on.
        var first = await Process(dir, "reconcile");
        Assert.True(first.Code == ExitCodes.Failed, first.Out + first.Err);
        Assert.True(silent.Connections >= 1);
        Assert.False(File.Exists(dir.Combine("out", "cert.pem")));

        // The failure's backoff would hold the next cron run back ~30 s; a manual renewal stands for that time.
        Assert.Equal(0, (await InProcess(dir, "renew", Cert)).Code);
        var connections = silent.Connections;

        // Run 2: a new process starts on the second server.
        var second = await Process(dir, "reconcile");
        Assert.True(second.Code == 0, second.Out + second.Err);
        Assert.Equal(connections, silent.Connections);                  // the silent server was not tried again
        Assert.Equal(lab.Certificate("ee1").RawData, X509CertificateLoader.LoadCertificateFromFile(dir.Combine("out", "cert.pem")).RawData);
        await using (var host = await RotorHost.OpenAsync(dir.Combine("data"), TimeProvider.System, NullLoggerFactory.Instance, null, default))
        {
            var state = CmpTransactionState.TryRead((await host.Store.GetStatusAsync(Cert, default))?.IssuerState);
            Assert.Equal(("done", ok), (state?.State, state?.Server));
        }

        // describe issuer (its own process too) shows where the group stands and why.
        var describe = await Process(dir, "describe", "issuer", "pki");
        Assert.True(describe.Code == 0, describe.Out + describe.Err);
        Assert.Contains("Current server: " + ok, describe.Out, StringComparison.Ordinal);
        Assert.Contains($"Last failover:  from {hanging} (message-timeout) at ", describe.Out, StringComparison.Ordinal);
        Assert.Contains($"Last CMP:       {Cert}: ir done on {ok}", describe.Out, StringComparison.Ordinal);
        var json = JsonDocument.Parse((await Process(dir, "describe", "issuer", "pki", "-o", "json")).Out).RootElement;
        Assert.Equal("Cmp", json.GetProperty("kind").GetString());
        var cmp = json.GetProperty("cmp");
        Assert.Equal(ok, cmp.GetProperty("currentServer").GetString());
        Assert.Equal(hanging, cmp.GetProperty("movedFrom").GetString());
        Assert.Equal("message-timeout", cmp.GetProperty("moveReason").GetString());
        Assert.True(cmp.GetProperty("movedAt").GetDateTimeOffset() > TimeProvider.System.GetUtcNow().AddMinutes(-5));
        Assert.DoesNotContain(lab.Secret, describe.Out + first.Err + second.Err, StringComparison.Ordinal);

        var missing = await Process(dir, "describe", "issuer", "nope");
        Assert.Equal(ExitCodes.NotFound, missing.Code);
        Assert.Contains("issuer 'nope' not found", missing.Err, StringComparison.Ordinal);
    }
}
