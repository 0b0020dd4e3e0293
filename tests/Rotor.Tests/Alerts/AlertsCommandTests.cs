using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rotor.Tests.Support;

namespace Rotor.Tests.Alerts;

/// <summary>
/// `rotor reconcile` evaluates the alert rules and delivers through the notifiers; `rotor alerts`
/// shows what fires and the outbox; `rotor notify test` sends through one notifier at once.
/// The receiver is a real HTTP server on 127.0.0.1 that checks the signature.
/// </summary>
public sealed class AlertsCommandTests : IDisposable
{
    private const string HmacKey = "s3cret-hmac-key-for-the-webhook";
    private readonly HttpListener _listener = new();
    private readonly List<(string Body, string? Signature, string? Idempotency)> _received = [];
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(2));
    private readonly int _port;

    public AlertsCommandTests()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
        _listener.Start();
        _ = ServeAsync();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            lock (_received) _received.Add((body, context.Request.Headers["X-Rotor-Signature"], context.Request.Headers["Idempotency-Key"]));
            context.Response.StatusCode = 204;
            context.Response.Close();
        }
    }

    private string Manifest(TestRotor rotor)
    {
        rotor.Dir.Write("hook.key", HmacKey);
        return Manifests.All(Manifests.Issuer, Manifests.Target(),
            Manifests.Certificate(extra: "  alerts: {expiryThresholds: [120d, 30d]}"),
            "apiVersion: rotor/v1\nkind: Notifier\nmetadata: {name: hook}\n" +
            $"spec: {{webhook: {{url: \"http://127.0.0.1:{_port}/rotor\", secretRef: {{file: hook.key}}}}}}\n");
    }

    private static void AssertSigned((string Body, string? Signature, string? Idempotency) request)
    {
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(HmacKey), Encoding.UTF8.GetBytes(request.Body)));
        Assert.Equal(expected, request.Signature);
        Assert.False(string.IsNullOrEmpty(request.Idempotency));
    }

    [Fact]
    public async Task Reconcile_tells_the_notifier_once_and_alerts_shows_the_firing_alert_and_its_delivered_message()
    {
        using var rotor = new TestRotor();
        var (code, _, err) = await rotor.RunAsync("reconcile", "-f", rotor.WriteManifest(Manifest(rotor)));
        Assert.True(code == 0, err);

        var request = Assert.Single(_received);
        AssertSigned(request);
        using (var doc = JsonDocument.Parse(request.Body))
        {
            Assert.Equal("firing", doc.RootElement.GetProperty("status").GetString());
            Assert.Equal("CertificateExpiring/sip-edge", doc.RootElement.GetProperty("alert").GetProperty("key").GetString());
            Assert.Equal("120d", doc.RootElement.GetProperty("alert").GetProperty("stage").GetString());
            Assert.Equal("sip-edge", doc.RootElement.GetProperty("alert").GetProperty("labels").GetProperty("certificate").GetString());
        }

        // A second run within the repeat interval tells nothing new.
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        Assert.Single(_received);

        var (_, alerts, _) = await rotor.RunAsync("alerts", "-o", "json");
        using (var doc = JsonDocument.Parse(alerts))
        {
            var alert = Assert.Single(doc.RootElement.EnumerateArray());
            Assert.Equal("firing", alert.GetProperty("state").GetString());
            Assert.Equal("warning", alert.GetProperty("severity").GetString());
        }
        var (_, outbox, _) = await rotor.RunAsync("alerts", "--outbox", "-o", "json");
        using (var doc = JsonDocument.Parse(outbox))
        {
            var message = Assert.Single(doc.RootElement.EnumerateArray());
            Assert.Equal("hook", message.GetProperty("notifier").GetString());
            Assert.True(message.TryGetProperty("deliveredAt", out _));
            Assert.Equal(1, message.GetProperty("attempts").GetInt32());
        }
        var (_, table, _) = await rotor.RunAsync("alerts");
        Assert.Contains("CertificateExpiring/sip-edge", table, StringComparison.Ordinal);

        Assert.DoesNotContain(rotor.Transcript, t => t.Contains(HmacKey, StringComparison.Ordinal));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(rotor.Data, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(HmacKey, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Notify_test_sends_through_the_notifier_at_once_and_fails_plainly_when_it_cannot()
    {
        using var rotor = new TestRotor();
        var manifest = rotor.WriteManifest(Manifest(rotor));
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", manifest)).Code);

        var (code, output, err) = await rotor.RunAsync("notify", "test", "hook");
        Assert.True(code == 0, err);
        Assert.Contains("delivered a test message through notifier hook", output, StringComparison.Ordinal);
        var request = Assert.Single(_received);
        AssertSigned(request);
        Assert.Contains("RotorTest/hook", request.Body, StringComparison.Ordinal);

        Assert.Equal(3, (await rotor.RunAsync("notify", "test", "nobody")).Code);

        _listener.Stop();
        var (failed, _, error) = await rotor.RunAsync("notify", "test", "hook");
        Assert.Equal(1, failed);
        Assert.Contains("not delivered", error, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{_port}", error, StringComparison.Ordinal);
        Assert.DoesNotContain(HmacKey, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_emptied_hmac_key_file_keeps_the_message_waiting_with_the_reason_and_sends_nothing_unsigned()
    {
        using var rotor = new TestRotor();
        var manifest = rotor.WriteManifest(Manifest(rotor));
        rotor.Dir.Write("hook.key", "");

        var (code, _, _) = await rotor.RunAsync("reconcile", "-f", manifest);
        Assert.Equal(0, code);
        Assert.Empty(_received);
        var (_, outbox, _) = await rotor.RunAsync("alerts", "--outbox", "-o", "json");
        using (var doc = System.Text.Json.JsonDocument.Parse(outbox))
        {
            var message = Assert.Single(doc.RootElement.EnumerateArray());
            Assert.False(message.TryGetProperty("deliveredAt", out _));
            Assert.Equal(1, message.GetProperty("attempts").GetInt32());
            Assert.Equal("secret file:hook.key: the file is empty", message.GetProperty("lastError").GetString());
        }

        // The key is put back: the waiting message goes out, signed, when its retry is due.
        rotor.Dir.Write("hook.key", HmacKey);
        rotor.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        AssertSigned(Assert.Single(_received));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _stop.Dispose();
    }
}
