using System.Text.Json;
using Rotor.Cli;
using Rotor.Issuers;
using Rotor.Tests.Support;

namespace Rotor.Tests.Cli;

/// <summary><c>rotor describe issuer</c> for each kind: kind and key facts, the CMP group's stored position; never a secret.</summary>
public class DescribeIssuerTests
{
    private const string Issuers = """
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: local}
        spec: {ca: {}}
        ---
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: public}
        spec:
          acme:
            server: https://acme.example.test/directory
            email: pki@example.test
            solvers:
              - http01: {listen: 127.0.0.1:5002}
        ---
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: pki}
        spec:
          cmp:
            servers: [http://127.0.0.1:1/pkix/, http://127.0.0.1:2/pkix/]
            sharedSecret: { reference: "3078", secretRef: { env: ROTOR_TEST_IAK_NEVER_SHOWN } }
            polling: {messageTimeout: 7s}
        """;

    [Fact]
    public async Task Each_kind_shows_its_facts_and_a_cmp_issuer_its_current_server_and_last_failover()
    {
        using var rotor = new TestRotor();
        var path = rotor.WriteManifest(Manifests.All(Issuers, Manifests.Target(), Manifests.Certificate()));
        var apply = await rotor.RunAsync("apply", "-f", path);
        Assert.True(apply.Code == 0, apply.Out + apply.Err);

        var (code, ca, _) = await rotor.RunAsync("describe", "issuer", "local");
        Assert.Equal(0, code);
        Assert.Contains("Kind:           Ca", ca, StringComparison.Ordinal);
        Assert.Contains("Certificates:   sip-edge", ca, StringComparison.Ordinal);

        var acme = (await rotor.RunAsync("describe", "issuer", "public")).Out;
        Assert.Contains("Directory:      https://acme.example.test/directory", acme, StringComparison.Ordinal);
        Assert.Contains($"key {AcmeIssuer.AccountKeyRefFor("public", "https://acme.example.test/directory")} (", acme, StringComparison.Ordinal);
        Assert.Contains("not created yet", acme, StringComparison.Ordinal);

        // Never moved: the first server, no failover.
        var cmp = (await rotor.RunAsync("describe", "issuer", "pki")).Out;
        Assert.Contains("Current server: http://127.0.0.1:1/pkix/", cmp, StringComparison.Ordinal);
        Assert.Contains("Last failover:  none", cmp, StringComparison.Ordinal);
        Assert.Contains("message 7s", cmp, StringComparison.Ordinal);
        Assert.DoesNotContain("ROTOR_TEST_IAK", cmp, StringComparison.Ordinal);

        await using (var host = await rotor.OpenHostAsync())
        {
            await host.Store.SaveIssuerRuntimeAsync("pki", new CmpServerPosition
            {
                Server = "http://127.0.0.1:2/pkix/", MovedFrom = "http://127.0.0.1:1/pkix/", Reason = "http-status", MovedAt = TestRotor.Start,
            }.Serialize(), TestRotor.Start, default);
        }
        cmp = (await rotor.RunAsync("describe", "issuer", "pki")).Out;
        Assert.Contains("  * http://127.0.0.1:2/pkix/", cmp, StringComparison.Ordinal);
        Assert.Contains("Last failover:  from http://127.0.0.1:1/pkix/ (http-status) at 2026-11-23 12:00:00Z", cmp, StringComparison.Ordinal);
        using var json = JsonDocument.Parse((await rotor.RunAsync("describe", "issuer", "pki", "-o", "json")).Out);
        var view = json.RootElement.GetProperty("cmp");
        Assert.Equal("http://127.0.0.1:2/pkix/", view.GetProperty("currentServer").GetString());
        Assert.Equal("http-status", view.GetProperty("moveReason").GetString());
        Assert.Equal(TestRotor.Start, view.GetProperty("movedAt").GetDateTimeOffset());

        var (missing, _, err) = await rotor.RunAsync("describe", "issuer", "nope");
        Assert.Equal(ExitCodes.NotFound, missing);
        Assert.Contains("issuer 'nope' not found", err, StringComparison.Ordinal);
    }
}
