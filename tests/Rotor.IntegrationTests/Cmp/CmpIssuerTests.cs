using Rotor.Tests.Support;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rotor.Cli;
using Rotor.Core.Abstractions;
using Rotor.Issuers;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Cmp;

/// <summary>
/// The cmp issuer kind through Rotor's own lifecycle (apply, key import, reconcile, validate,
/// deploy, describe) against OpenSSL's mock CA. The mock returns a fixed certificate (ee1, or
/// ee2 in scenario kur), so the tests enroll with the matching key imported by
/// <c>rotor key import</c>, as a user moving an SBC to Rotor would.
/// </summary>
[Collection(CmpLabCollection.Name)]
public class CmpIssuerTests(CmpLab lab)
{
    private const string Cert = "sbc";

    private string Issuer(string[] servers, string? extra = null) => $$"""
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: pki}
        spec:
          cmp:
            servers: [{{string.Join(", ", servers)}}]
            sharedSecret: { reference: "{{lab.Reference}}", secretRef: { file: iak.txt } }
            recipient: CN=Mock Root CA
            trustedRoots: ca.pem
        {{(extra is null ? "" : Indent(extra, "    "))}}
        """;

    private static string Certificate(string? extra = null, string rotationPolicy = "Never") => $$"""
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: {{Cert}}}
        spec:
          commonName: sbc.example.com
          dnsNames: [sbc.example.com]
          usages: [server auth]
          privateKey: {algorithm: ECDSA, size: 256, rotationPolicy: {{rotationPolicy}}}
          issuerRef: {name: pki}
          deploy: [{target: out}]
        {{(extra is null ? "" : Indent(extra, "  "))}}
        """;

    private const string Target = """
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: out}
        spec: {file: {path: out}}
        """;

    private static string Indent(string text, string prefix) => string.Join("\n", text.Split('\n').Select(l => prefix + l));

    private string Url(string instance) => lab.Url(instance).ToString();

    /// <summary>A folder with the IAK file, the CA root and the manifest; the data folder inside it.</summary>
    private TempDir Setup(string issuer, string? certificateExtra = null, string rotationPolicy = "Never")
    {
        var dir = new TempDir();
        File.WriteAllText(dir.Combine("iak.txt"), lab.Secret + "\n");
        File.Copy(lab.File("ca.crt"), dir.Combine("ca.pem"));
        Write(dir, issuer, certificateExtra, rotationPolicy);
        return dir;
    }

    private static void Write(TempDir dir, string issuer, string? certificateExtra = null, string rotationPolicy = "Never") =>
        File.WriteAllText(dir.Combine("rotor.yaml"), string.Join("\n---\n", issuer, Target, Certificate(certificateExtra, rotationPolicy)) + "\n");

    private static async Task<(int Code, string Out, string Err)> Rotor(TempDir dir, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await RotorCli.InvokeAsync([.. args, "--data", dir.Combine("data")], output, error);
        return (code, output.ToString(), error.ToString());
    }

    private async Task ApplyAndImportAsync(TempDir dir, string keyName)
    {
        var apply = await Rotor(dir, "apply", "-f", dir.Combine("rotor.yaml"));
        Assert.True(apply.Code == 0, apply.Out + apply.Err);
        var import = await Rotor(dir, "key", "import", Cert, "--key", lab.File(keyName + ".key"));
        Assert.True(import.Code == 0, import.Out + import.Err);
    }

    /// <summary>
    /// A certificate on the poll server with ee1 imported. The mock keeps its poll count across
    /// transactions, so an abandoned one leaves it short: it starts from a fresh instance.
    /// </summary>
    private async Task<TempDir> FreshPollServerSetupAsync()
    {
        lab.Stop("poll");
        var dir = Setup(Issuer([Url("poll")]));
        await ApplyAndImportAsync(dir, "ee1");
        return dir;
    }

    private static async Task<string> EventsAsync(RotorHost host) =>
        string.Join("\n", (await host.Store.ListEventsAsync("Certificate", Cert, 50, default)).Select(e => $"{e.Reason}: {e.Message}"));

    private static byte[] Deployed(TempDir dir) => X509CertificateLoader.LoadCertificateFromFile(dir.Combine("out", "cert.pem")).RawData;

    private static async Task<RotorHost> OpenAsync(TempDir dir, TimeProvider? time = null) =>
        await RotorHost.OpenAsync(dir.Combine("data"), time ?? TimeProvider.System, NullLoggerFactory.Instance, null, default);

    private static CmpTransactionState State(CertificateStatus? status) =>
        CmpTransactionState.TryRead(status?.IssuerState) ?? throw new Xunit.Sdk.XunitException("no CMP state recorded: " + status?.IssuerState);

    [Fact]
    public async Task Ir_with_an_imported_key_is_deployed_and_a_kur_signed_with_it_brings_the_new_keys_certificate_to_the_target()
    {
        if (!lab.Require()) return;
        using var dir = Setup(Issuer([Url("ok")]));
        await ApplyAndImportAsync(dir, "ee1");

        var first = await Rotor(dir, "reconcile");
        Assert.True(first.Code == 0, first.Out + first.Err);
        Assert.Equal(lab.Certificate("ee1").RawData, Deployed(dir));
        var (verify, text) = await OpenSsl.RunAsync("verify", "-CAfile", dir.Combine("ca.pem"), dir.Combine("out", "cert.pem"));
        Assert.True(verify == 0, text);
        var describe = await Rotor(dir, "describe", "certificate", Cert);
        Assert.Contains("CMP:            ir done on " + Url("ok"), describe.Out, StringComparison.Ordinal);
        Assert.Contains("PKIStatus accepted", describe.Out, StringComparison.Ordinal);

        // The CA of scenario kur answers a kur signed with ee1 with ee2's certificate.
        Write(dir, Issuer([Url("kur")]));
        Assert.Equal(0, (await Rotor(dir, "apply", "-f", dir.Combine("rotor.yaml"))).Code);
        var mark = lab.Log("kur").Length;
        await ApplyAndImportAsync(dir, "ee2");
        var second = await Rotor(dir, "reconcile");
        Assert.True(second.Code == 0, second.Out + second.Err);

        Assert.Contains("received KUR", lab.Log("kur")[mark..], StringComparison.Ordinal);
        Assert.Equal(lab.Certificate("ee2").RawData, Deployed(dir));
        using var deployedKey = ECDsa.Create();
        deployedKey.ImportFromPem(File.ReadAllText(dir.Combine("out", "key.pem")));
        using var ee2 = lab.Key("ee2");
        Assert.Equal(ee2.ExportSubjectPublicKeyInfo(), deployedKey.ExportSubjectPublicKeyInfo());
        var json = (await Rotor(dir, "describe", "certificate", Cert, "-o", "json")).Out;
        Assert.Contains("\"request\": \"kur\"", json, StringComparison.Ordinal);
        Assert.Contains("\"state\": \"done\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain(lab.Secret, json + describe.Out + first.Out + second.Out + first.Err + second.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_issued_directly_by_the_root_gets_that_root_in_chain_pem_which_alone_verifies_cert_pem()
    {
        if (!lab.Require()) return;
        using var dir = Setup(Issuer([Url("ok")]));
        await ApplyAndImportAsync(dir, "ee1");

        var reconcile = await Rotor(dir, "reconcile");

        Assert.True(reconcile.Code == 0, reconcile.Out + reconcile.Err);
        var (verify, text) = await OpenSsl.RunAsync("verify", "-CAfile", dir.Combine("out", "chain.pem"), dir.Combine("out", "cert.pem"));
        Assert.True(verify == 0, text);
        // No intermediate: chain.pem is exactly the trustedRoots root the chain was validated against.
        var chain = global::Rotor.Certificates.CertificatePem.ReadPemChain(File.ReadAllText(dir.Combine("out", "chain.pem")));
        using var root = X509CertificateLoader.LoadCertificateFromFile(lab.File("ca.crt"));
        Assert.Equal(root.Thumbprint, Assert.Single(chain).Thumbprint);
    }

    [Fact]
    public async Task A_renewal_due_at_13_00_waits_for_the_02_00_key_update_window_and_renew_now_does_not_wait()
    {
        if (!lab.Require()) return;
        using var dir = Setup(Issuer([Url("ok")], "kurWindow: {start: \"02:00\", end: \"04:00\", timeZone: UTC}"));
        await ApplyAndImportAsync(dir, "ee1");
        var day = TimeProvider.System.GetUtcNow().Date.AddDays(1);
        var time = new FakeTimeProvider(new DateTimeOffset(day.AddHours(13), TimeSpan.Zero));
        await using var host = await OpenAsync(dir, time);

        // The first certificate is an ir: no window for it.
        Assert.False((await host.Reconciler.ReconcileAsync(Cert, default)).Failed, await EventsAsync(host));
        Assert.Single(await host.Store.ListVersionsAsync(Cert, default));

        // Due at 13:00 (a manual renewal): the kur waits for 02:00 the next day; nothing is sent.
        var mark = lab.Log("ok").Length;
        var status = (await host.Store.GetStatusAsync(Cert, default))!;
        await host.Store.UnderLeaseAsync(status.Name, () => host.Store.SaveStatusAsync(status with { RenewRequested = true, NextDueAt = time.GetUtcNow() }, default));
        var waiting = await host.Reconciler.ReconcileAsync(Cert, default);
        Assert.False(waiting.Failed || waiting.Issued);
        var opening = new DateTimeOffset(day.AddDays(1).AddHours(2), TimeSpan.Zero);
        Assert.Equal(opening, (await host.Store.GetStatusAsync(Cert, default))!.NextDueAt);
        Assert.Contains("KeyUpdateWaiting: key update due (ManualRenew) waits for the key-update window 02:00-04:00 UTC", await EventsAsync(host), StringComparison.Ordinal);
        Assert.DoesNotContain("received KUR", lab.Log("ok")[mark..], StringComparison.Ordinal);
        Assert.Empty(await host.Store.ListDueAsync(opening.AddSeconds(-1), 10, default));

        // 02:00: the window is open and the kur goes.
        time.SetUtcNow(opening);
        Assert.Equal(new[] { Cert }, await host.Store.ListDueAsync(time.GetUtcNow(), 10, default));
        var renewed = await host.Reconciler.ReconcileAsync(Cert, default);
        Assert.True(renewed.Issued && !renewed.Failed, await EventsAsync(host));
        Assert.Contains("received KUR", lab.Log("ok")[mark..], StringComparison.Ordinal);
        Assert.Equal(2, (await host.Store.ListVersionsAsync(Cert, default)).Count);

        // 13:00 again: `rotor renew --now` does not wait for the window.
        time.SetUtcNow(opening.AddHours(11));
        status = (await host.Store.GetStatusAsync(Cert, default))!;
        await host.Store.UnderLeaseAsync(status.Name, () => host.Store.SaveStatusAsync(status with { RenewRequested = true, RenewNow = true, NextDueAt = time.GetUtcNow() }, default));
        var now = await host.Reconciler.ReconcileAsync(Cert, default);
        Assert.True(now.Issued && !now.Failed, await EventsAsync(host));
        Assert.Equal(3, (await host.Store.ListVersionsAsync(Cert, default)).Count);
        Assert.False((await host.Store.GetStatusAsync(Cert, default))!.RenewNow);
    }

    [Fact]
    public async Task A_subject_change_is_a_new_ir_that_does_not_wait_for_the_key_update_window()
    {
        if (!lab.Require()) return;
        const string closed = "kurWindow: {start: \"02:00\", end: \"02:01\", timeZone: UTC}";
        using var dir = Setup(Issuer([Url("ok")], closed));
        await ApplyAndImportAsync(dir, "ee1");
        var day = TimeProvider.System.GetUtcNow().Date.AddDays(1);
        var time = new FakeTimeProvider(new DateTimeOffset(day.AddHours(13), TimeSpan.Zero));
        await using (var host = await OpenAsync(dir, time))
        {
            Assert.False((await host.Reconciler.ReconcileAsync(Cert, default)).Failed, await EventsAsync(host));
        }

        // The CA's naming rules now add an organization: the subject changes, so the renewal is
        // an ir (with the IAK), sent at once although the key-update window is closed.
        Write(dir, Issuer([Url("ok")], closed + "\nsubject: {organization: Example}"));
        Assert.Equal(0, (await Rotor(dir, "apply", "-f", dir.Combine("rotor.yaml"))).Code);
        Assert.Equal(0, (await Rotor(dir, "renew", Cert)).Code);
        var mark = lab.Log("ok").Length;
        await using var again = await OpenAsync(dir, time);
        var renewed = await again.Reconciler.ReconcileAsync(Cert, default);

        Assert.True(renewed.Issued && !renewed.Failed, await EventsAsync(again));
        var log = lab.Log("ok")[mark..];
        Assert.Contains("received IR", log, StringComparison.Ordinal);
        Assert.DoesNotContain("received KUR", log, StringComparison.Ordinal);
        Assert.Equal("ir", State(await again.Store.GetStatusAsync(Cert, default)).Request);
        Assert.DoesNotContain("KeyUpdateWaiting", await EventsAsync(again), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Polling_with_checkAfter_succeeds_and_a_polling_limit_gives_up_cleanly_with_backoff()
    {
        if (!lab.Require()) return;
        using var dir = await FreshPollServerSetupAsync();
        var done = await Rotor(dir, "reconcile");
        Assert.True(done.Code == 0, done.Out + done.Err);
        await using (var host = await OpenAsync(dir))
        {
            var state = State(await host.Store.GetStatusAsync(Cert, default));
            Assert.Equal(("done", 2), (state.State, state.Polls));
        }
        Assert.Equal(lab.Certificate("ee1").RawData, Deployed(dir));

        // A second certificate folder, the same poll server, at most one pollReq: it gives up.
        using var limited = Setup(Issuer([Url("poll")], "polling: {maxPolls: 1, messageTimeout: 10s, totalTimeout: 1m}"));
        await ApplyAndImportAsync(limited, "ee1");
        var before = TimeProvider.System.GetUtcNow();
        var failed = await Rotor(limited, "reconcile");
        Assert.NotEqual(0, failed.Code);
        await using var again = await OpenAsync(limited);
        var events = await EventsAsync(again);
        Assert.Contains("CmpPollingExhausted: CMP ir failed: CMP polling gave up", events, StringComparison.Ordinal);
        var status = (await again.Store.GetStatusAsync(Cert, default))!;
        Assert.Equal(1, status.Failures);
        Assert.True(status.NextDueAt > before.AddSeconds(20), $"next attempt {status.NextDueAt:O} should follow the backoff table");
        Assert.Equal("failed", State(status).State);
        Assert.False(File.Exists(limited.Combine("out", "cert.pem")));
        Assert.Empty(await again.Store.ListVersionsAsync(Cert, default));
    }

    [Fact]
    public async Task A_rejection_and_an_error_message_surface_as_events_with_the_status_text_and_the_old_certificate_stays()
    {
        if (!lab.Require()) return;
        using var dir = Setup(Issuer([Url("ok")]));
        await ApplyAndImportAsync(dir, "ee1");
        Assert.Equal(0, (await Rotor(dir, "reconcile")).Code);
        var deployed = File.ReadAllBytes(dir.Combine("out", "cert.pem"));

        // The renewal is a kur signed with ee1: scenario reject answers it with a rejected kup,
        // scenario error with an error message.
        foreach (var (instance, reason, text) in new[]
        {
            ("reject", "CmpRejected", "notAuthorized"),
            ("error", "CmpErrorMessage", "error processing message"),
        })
        {
            Write(dir, Issuer([Url(instance)]));
            Assert.Equal(0, (await Rotor(dir, "apply", "-f", dir.Combine("rotor.yaml"))).Code);
            Assert.Equal(0, (await Rotor(dir, "renew", Cert)).Code);
            var failed = await Rotor(dir, "reconcile");
            Assert.NotEqual(0, failed.Code);
            await using var host = await OpenAsync(dir);
            var events = await EventsAsync(host);
            Assert.Contains(reason + ": CMP kur failed", events, StringComparison.Ordinal);
            Assert.Contains(text, events, StringComparison.Ordinal);
            var status = (await host.Store.GetStatusAsync(Cert, default))!;
            var state = State(status);
            Assert.Equal("failed", state.State);
            Assert.Equal("rejection", state.PkiStatus);
            Assert.NotNull(state.FailInfo);
            Assert.True(status.Ready, "the certificate in service stays ready");
            Assert.Equal(deployed, File.ReadAllBytes(dir.Combine("out", "cert.pem")));
            Assert.Single(await host.Store.ListVersionsAsync(Cert, default));
            var describe = await Rotor(dir, "describe", "certificate", Cert);
            Assert.Contains("CMP:            kur failed on " + Url(instance), describe.Out, StringComparison.Ordinal);
            Assert.Contains("PKIStatus rejection, failInfo", describe.Out, StringComparison.Ordinal);
            Assert.Contains("next attempt", describe.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_fixed_certificate_for_an_ir_with_another_key_is_refused_as_key_mismatch_and_nothing_is_deployed()
    {
        if (!lab.Require()) return;
        using var dir = Setup(Issuer([Url("ok")]), rotationPolicy: "Always");
        Assert.Equal(0, (await Rotor(dir, "apply", "-f", dir.Combine("rotor.yaml"))).Code);
        var mark = lab.Log("ok").Length;

        var failed = await Rotor(dir, "reconcile");

        Assert.NotEqual(0, failed.Code);
        Assert.Contains("certificate rejected by client", lab.Log("ok")[mark..], StringComparison.Ordinal);
        await using var host = await OpenAsync(dir);
        Assert.Contains("CmpKeyMismatch: CMP ir failed: CMP certificate refused: key mismatch", await EventsAsync(host), StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("out", "cert.pem")));
        Assert.Empty(await host.Store.ListVersionsAsync(Cert, default));
    }

    [Fact]
    public async Task A_certificate_valid_for_less_than_renewBefore_is_rejected_in_certConf_and_retried_later()
    {
        if (!lab.Require()) return;
        // ee1 is valid for 365 days; renewing 366 days before expiry makes it due at once.
        using var dir = Setup(Issuer([Url("ok")]), "duration: 9000h\nrenewBefore: 8784h");
        await ApplyAndImportAsync(dir, "ee1");
        var mark = lab.Log("ok").Length;

        var failed = await Rotor(dir, "reconcile");

        Assert.NotEqual(0, failed.Code);
        Assert.Contains("certificate rejected by client with PKIStatus: rejection", lab.Log("ok")[mark..], StringComparison.Ordinal);
        await using var host = await OpenAsync(dir);
        Assert.Contains("CmpCertificateRejected: CMP ir failed: CMP certificate refused: validity too short", await EventsAsync(host), StringComparison.Ordinal);
        var status = (await host.Store.GetStatusAsync(Cert, default))!;
        Assert.True(status.NextDueAt > TimeProvider.System.GetUtcNow().AddSeconds(20));
        Assert.NotNull(status.PendingKeyRef); // the imported key waits for the next attempt
        Assert.False(File.Exists(dir.Combine("out", "cert.pem")));
    }

    [Fact]
    public async Task An_ir_signed_with_a_signer_certificate_instead_of_the_iak_is_answered_with_a_signed_ip_that_verifies()
    {
        if (!lab.Require()) return;
        using var dir = new TempDir();
        File.Copy(lab.File("ca.crt"), dir.Combine("ca.pem"));
        File.Copy(lab.File("ee1.crt"), dir.Combine("vendor.crt"));
        File.Copy(lab.File("ee1.key"), dir.Combine("vendor.key"));
        var issuer = $$"""
            apiVersion: rotor/v1
            kind: Issuer
            metadata: {name: pki}
            spec:
              cmp:
                servers: [{{Url("ok")}}]
                protection: signature
                signer: {certificate: vendor.crt, privateKey: vendor.key}
                trustedRoots: ca.pem
            """;
        Write(dir, issuer);
        await ApplyAndImportAsync(dir, "ee1");
        var mark = lab.Log("ok").Length;

        var done = await Rotor(dir, "reconcile");

        Assert.True(done.Code == 0, done.Out + done.Err);
        Assert.Contains("received IR", lab.Log("ok")[mark..], StringComparison.Ordinal);
        Assert.Equal(lab.Certificate("ee1").RawData, Deployed(dir));
        await using var host = await OpenAsync(dir);
        Assert.Equal(("ir", "done"), (State(await host.Store.GetStatusAsync(Cert, default)).Request, State(await host.Store.GetStatusAsync(Cert, default)).State));
    }

    [Fact]
    public async Task With_the_first_server_dead_the_second_serves()
    {
        if (!lab.Require()) return;
        var dead = $"http://127.0.0.1:{CmpLab.DeadPort}/pkix/";
        using var dir = Setup(Issuer([dead, Url("ok")]));
        await ApplyAndImportAsync(dir, "ee1");

        var done = await Rotor(dir, "reconcile");

        Assert.True(done.Code == 0, done.Out + done.Err);
        await using var host = await OpenAsync(dir);
        Assert.Equal(Url("ok"), State(await host.Store.GetStatusAsync(Cert, default)).Server);
        Assert.Equal(lab.Certificate("ee1").RawData, Deployed(dir));
    }

    [Fact]
    public async Task A_newer_request_supersedes_a_transaction_still_polling_and_closes_it_at_the_server()
    {
        if (!lab.Require()) return;
        using var dir = await FreshPollServerSetupAsync();
        await using var host = await OpenAsync(dir);
        var (issuer, _) = await host.Issuers.GetAsync("pki", default);
        var spec = global::Rotor.Storage.SpecSerializer.SpecOf<global::Rotor.Core.Resources.CertificateSpec>(
            (await host.Store.GetResourceAsync("Certificate", Cert, default))!);
        using var key = lab.Key("ee1");
        IssueRequest Request() => new(Cert, spec, key, new Lazy<byte[]>(() => []));
        var mark = lab.Log("poll").Length;
        // Both requests run under the certificate's lease, as the reconciler's would (the issuer
        // writes its transaction state as it goes).
        var now = TimeProvider.System.GetUtcNow();
        var fencing = await host.Store.TryAcquireLeaseAsync(Lease.ResourceOf(Cert), StoreLeases.TestOwner, now, now.AddHours(1), default);
        using var lease = LeaseScope.Enter(new Lease(Cert, StoreLeases.TestOwner, fencing!.Value));

        var older = issuer.IssueAsync(Request(), default);
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(20);
        while (CmpTransactionState.TryRead((await host.Store.GetStatusAsync(Cert, default))?.IssuerState)?.State != "waiting")
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, "the first transaction never waited for its poll");
            if (older.IsCompleted) await older; // shows why it ended
            Assert.False(older.IsCompleted, "the first transaction ended before it waited");
            await Task.Delay(20);
        }
        var newer = await issuer.IssueAsync(Request(), default);

        var superseded = await Assert.ThrowsAsync<RotorException>(() => older);
        Assert.Equal("CmpSuperseded", superseded.Reason);
        Assert.Equal(lab.Certificate("ee1").RawData, newer.Leaf.RawData);
        var log = lab.Log("poll")[mark..];
        Assert.Contains("received ERROR", log, StringComparison.Ordinal);
        Assert.True(log.IndexOf("received ERROR", StringComparison.Ordinal) < log.LastIndexOf("received IR", StringComparison.Ordinal),
            "the older transaction is closed before the newer one starts:\n" + log);
    }
}
