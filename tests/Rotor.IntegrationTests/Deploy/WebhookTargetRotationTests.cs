using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rotor.Core.Abstractions;
using Rotor.Core.Rotation;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Deploy;

/// <summary>
/// Real rotations through a webhook target to a receiver on 127.0.0.1: each POST carries the
/// version's certificate signed with HMAC-SHA256 over the raw body; 5xx is retried, 4xx fails the
/// step naming the status and the previous certificate stays; the key is never sent over http.
/// </summary>
public sealed class WebhookTargetRotationTests
{
    private const string HookKey = "wh-signing-key-3b9f0c";

    private static HookSite Site(WebhookReceiver receiver, string extra = "")
    {
        var site = new HookSite($$"""
              webhook: {url: "{{receiver.Url}}", secretRef: {file: hook.key}, timeout: 5s{{extra}}}
            """.TrimEnd());
        site.Dir.Write("hook.key", HookKey + "\n");
        return site;
    }

    private static JsonElement Body(WebhookReceiver.Request request)
    {
        // The signature is over the raw bytes as received: what a receiver checks before parsing.
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(HookKey), request.Body));
        Assert.Equal(expected, request.Headers["X-Rotor-Signature"]);
        return JsonDocument.Parse(request.Body).RootElement.Clone();
    }

    [Fact]
    public async Task Each_version_is_posted_signed_with_its_certificate_and_a_rollback_posts_the_previous_one()
    {
        using var receiver = new WebhookReceiver(TimeSpan.FromMinutes(2));
        using var site = Site(receiver);

        var (code, text) = await site.ReconcileAsync();
        Assert.True(code == 0, text);
        (code, text) = await site.RenewAsync();
        Assert.True(code == 0, text);
        (code, text) = await site.CliAsync("rollback", "sip-edge");
        Assert.True(code == 0, text);

        var versions = await site.VersionsAsync();
        var bodies = receiver.Requests.Select(Body).ToList();
        Assert.Equal(["activate", "activate", "rollback"], bodies.Select(b => b.GetProperty("step").GetString()));
        Assert.Equal([1L, 2L, 1L], bodies.Select(b => b.GetProperty("version").GetInt64()));
        Assert.Equal(2, bodies[2].GetProperty("rolledBackVersion").GetInt64());
        foreach (var body in bodies)
        {
            var version = versions.Single(v => v.Number == body.GetProperty("version").GetInt64());
            Assert.Equal(version.Sha256Fingerprint, body.GetProperty("sha256Fingerprint").GetString(), ignoreCase: true);
            Assert.Equal(Rotor.Certificates.CertificatePem.ReadPemChain(version.ChainPem)[0].Thumbprint,
                System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(body.GetProperty("certificatePem").GetString()).Thumbprint);
            Assert.Equal(["sip.example.test", "sbc-b.example.test"], body.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
            Assert.Equal("sip-edge", body.GetProperty("certificate").GetString());
            Assert.False(body.TryGetProperty("privateKeyPem", out _), "no key unless asked for, and never over http");
        }
        Assert.Equal(1, Assert.Single(versions, v => v.State == VersionState.Active).Number);
        Assert.DoesNotContain(HookKey, string.Join("\n", site.Transcript) + await site.EventsTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_500_is_retried_and_the_next_200_completes_the_step()
    {
        using var receiver = new WebhookReceiver(TimeSpan.FromMinutes(2));
        using var site = Site(receiver);
        receiver.AnswerNext(HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway);

        var (code, text) = await site.ReconcileAsync();

        Assert.True(code == 0, text);
        Assert.Equal(3, receiver.Attempts);
        Assert.Equal(1, Body(Assert.Single(receiver.Requests)).GetProperty("version").GetInt64());
        Assert.Contains("attempt 1 of 3: http://127.0.0.1", text, StringComparison.Ordinal);
        Assert.Contains("answered HTTP 500", text, StringComparison.Ordinal);
        Assert.Single(await site.VersionsAsync(), v => v.State == VersionState.Active);
    }

    [Fact]
    public async Task A_4xx_fails_the_step_naming_the_status_and_keeps_the_previous_certificate()
    {
        using var receiver = new WebhookReceiver(TimeSpan.FromMinutes(2));
        using var site = Site(receiver);
        var (code, text) = await site.ReconcileAsync();
        Assert.True(code == 0, text);
        receiver.Status = HttpStatusCode.UnprocessableEntity;

        (code, _) = await site.RenewAsync();

        Assert.NotEqual(0, code);
        Assert.Equal(2, receiver.Attempts); // v1 once, v2 once: a 4xx is not retried, and no rollback goes to a receiver that never took v2
        var versions = await site.VersionsAsync();
        Assert.Equal(1, Assert.Single(versions, v => v.State == VersionState.Active).Number);
        Assert.Equal(VersionState.Failed, versions.Single(v => v.Number == 2).State);
        var events = await site.EventsTextAsync();
        Assert.Contains("WebhookRejected: webhook target 'hook': activate of version 2: http://127.0.0.1:" + receiver.Port + " answered HTTP 422 UnprocessableEntity", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_that_stays_down_fails_the_step_after_the_bounded_attempts()
    {
        using var receiver = new WebhookReceiver(TimeSpan.FromMinutes(2));
        using var site = Site(receiver, ", attempts: 2");
        receiver.Status = HttpStatusCode.ServiceUnavailable;

        var (code, _) = await site.ReconcileAsync();

        Assert.NotEqual(0, code);
        Assert.Equal(2, receiver.Attempts);
        Assert.Contains("answered HTTP 503 ServiceUnavailable (after 2 attempts)", await site.EventsTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(await site.VersionsAsync(), v => v.State == VersionState.Active);
    }
}
