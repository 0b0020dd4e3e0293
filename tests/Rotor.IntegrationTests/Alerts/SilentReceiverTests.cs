using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Rotor.Alerts;
using Rotor.IntegrationTests.Support;
using Rotor.Testing;
using Xunit.Abstractions;

namespace Rotor.IntegrationTests.Alerts;

/// <summary>
/// Receivers that accept a connection and never answer (an SMTP server without a banner, an
/// Alertmanager that never replies) hold only the alert loop, never the reconciler: while
/// <c>rotor run</c>'s alert loop waits on them, a reconcile pass issues a certificate in the time
/// it took without them.
/// </summary>
public class SilentReceiverTests(ITestOutputHelper output)
{
    private static string Certificate(string name) => $$"""
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: {{name}}}
        spec: {commonName: {{name}}.example.test, dnsNames: [{{name}}.example.test], duration: 480h, renewBefore: 24h, issuerRef: {name: local} }
        """;

    private static string Manifest(int smtp, int alertmanager, params string[] certificates) => $$"""
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: local}
        spec: {ca: {} }
        ---
        apiVersion: rotor/v1
        kind: Notifier
        metadata: {name: mail}
        spec:
          timeout: 60s
          email: {host: 127.0.0.1, port: {{smtp}}, from: rotor@pbx.example.test, to: [noc@example.test]}
        ---
        apiVersion: rotor/v1
        kind: Notifier
        metadata: {name: am}
        spec:
          timeout: 60s
          alertmanager: {url: "http://127.0.0.1:{{alertmanager}}"}
        """ + string.Concat(certificates.Select(c => "\n" + Certificate(c)));

    private static async Task<TimeSpan> PassAsync(RotorHost host, int issued)
    {
        var clock = Stopwatch.StartNew();
        var pass = await host.Reconciler.RunPassAsync(default);
        clock.Stop();
        Assert.Equal(issued, pass.Issued);
        return clock.Elapsed;
    }

    [Fact]
    public async Task A_reconcile_pass_does_not_wait_for_a_receiver_that_never_answers()
    {
        using var dir = new TempDir();
        using var smtp = new SilentTcpServer(TimeSpan.FromMinutes(2));
        using var alertmanager = new SilentTcpServer(TimeSpan.FromMinutes(2));
        var data = dir.Combine("data");
        await AlertDeliveryRetryTests.ApplyAsync(Manifest(smtp.Port, alertmanager.Port, "warm"), dir, data);
        await using var host = await RotorHost.OpenAsync(data, TimeProvider.System, NullLoggerFactory.Instance, null, default);
        await PassAsync(host, 1); // the first issue warms everything up

        await AlertDeliveryRetryTests.ApplyAsync(Manifest(smtp.Port, alertmanager.Port, "warm", "a"), dir, data);
        var alone = await PassAsync(host, 1);

        // rotor run's alert loop, beside it: it raises the expiry alerts and hangs on both receivers.
        using var stop = new CancellationTokenSource();
        var loop = new AlertLoop(host.AlertEvaluator, host.AlertDispatcher, host.Alerts, TimeProvider.System, NullLogger.Instance);
        var alerting = Task.Run(() => loop.RunAsync(stop.Token));
        await Wait.UntilAsync(() => smtp.Connections >= 1 && alertmanager.Connections >= 1 || alerting.IsCompleted, TimeSpan.FromSeconds(30),
            () => $"the alert loop to connect to both silent receivers ({smtp.Connections}, {alertmanager.Connections})");

        await AlertDeliveryRetryTests.ApplyAsync(Manifest(smtp.Port, alertmanager.Port, "warm", "a", "b"), dir, data);
        var beside = await PassAsync(host, 1);

        // The delivery is still waiting: nothing delivered, no attempt even failed yet.
        Assert.False(alerting.IsCompleted);
        var outbox = await host.Alerts.ListOutboxAsync(20, default);
        Assert.NotEmpty(outbox);
        Assert.All(outbox, m => Assert.Null(m.DeliveredAt));
        Assert.All(outbox, m => Assert.Equal(0, m.Attempts));
        output.WriteLine($"reconcile pass alone {alone.TotalMilliseconds:0} ms, beside an alert loop stuck on silent receivers {beside.TotalMilliseconds:0} ms");
        Assert.True(beside < alone * 3 + TimeSpan.FromSeconds(2), $"pass {beside.TotalMilliseconds:0} ms beside the stuck delivery, {alone.TotalMilliseconds:0} ms alone");

        await stop.CancelAsync();
        await alerting.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
