using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Rotor.Alerts.Channels;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Issuers;
using Rotor.Keys;

namespace Rotor.Targets;

public sealed partial class WebhookTarget
{
    /// <summary>The step the POST is for, also in the body; lets a receiver route without parsing.</summary>
    public const string StepHeader = "X-Rotor-Step";

    /// <summary>Waits before the second, third ... POST of a step: 1 s, 2 s, 4 s, capped at 8 s.</summary>
    internal static TimeSpan Backoff(int failedAttempts) => TimeSpan.FromSeconds(Math.Min(8, Math.Pow(2, failedAttempts - 1)));

    private async Task DeliverAsync(string step, DeploymentArtifact artifact, DeploymentArtifact? rolledBack, CancellationToken cancellationToken)
    {
        var body = Payload(step, artifact, rolledBack, spec.IncludePrivateKey && !artifact.IsTrustOnly);
        var key = Encoding.UTF8.GetBytes(await SecretResolver.ResolveAsync(spec.SecretRef, targetManifestDirectory, cancellationToken));
        var signature = WebhookChannel.Sign(key, body);
        CryptographicZero(key);
        var idempotency = string.Create(CultureInfo.InvariantCulture, $"{artifact.CertificateName}/{name}/{step}/{artifact.VersionNumber}/{rolledBack?.VersionNumber}");
        string? bundle = spec.CaBundle is { } b ? Path.GetFullPath(Path.Combine(targetManifestDirectory, b)) : null;
        using var http = AcmeHttpClientFactory.Create(bundle, spec.Timeout);
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, spec.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation(WebhookChannel.SignatureHeader, signature);
            request.Headers.TryAddWithoutValidation(WebhookChannel.IdempotencyHeader, idempotency);
            request.Headers.TryAddWithoutValidation(StepHeader, step);
            string failure;
            var retry = true;
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    Telemetry.Log.WebhookTargetDelivered(logger, name, artifact.CertificateName, artifact.VersionNumber, step, status);
                    return;
                }
                // 408 and 429 say "later", 5xx "not now"; any other answer will not change on a retry.
                retry = status is 408 or 429 || status >= 500;
                failure = $"{Authority} answered HTTP {status}" + (Enum.IsDefined(response.StatusCode) ? $" {response.StatusCode}" : "");
            }
            catch (HttpRequestException e)
            {
                failure = $"{Authority} cannot be reached ({e.HttpRequestError})";
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"{Authority} did not answer within {DurationParser.Format(spec.Timeout)}";
            }
            Telemetry.Log.WebhookTargetAttemptFailed(logger, name, artifact.CertificateName, step, attempt, spec.Attempts, failure);
            if (!retry || attempt >= spec.Attempts)
            {
                var tries = attempt == 1 ? "" : $" (after {attempt} attempts)";
                throw new RotorException($"webhook target '{name}': {step} of version {artifact.VersionNumber}: {failure}{tries}", isTransient: retry)
                { Reason = RotorReasons.WebhookRejected };
            }
            await Task.Delay(Backoff(attempt), time, cancellationToken);
        }
    }

    private static void CryptographicZero(byte[] key) => System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);

    /// <summary>
    /// The JSON body (README, "webhook targets"): which certificate, version and step; the names,
    /// fingerprint and expiry; the PEM certificate and chain (a trust binding: the CA bundle); the
    /// private key only when <paramref name="withKey"/>. On rollback, <paramref name="artifact"/> is the
    /// version put back and <paramref name="rolledBack"/> the one taken out.
    /// </summary>
    internal byte[] Payload(string step, DeploymentArtifact artifact, DeploymentArtifact? rolledBack, bool withKey)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("certificate", artifact.CertificateName);
            json.WriteString("target", name);
            json.WriteString("step", step);
            json.WriteNumber("version", artifact.VersionNumber);
            if (rolledBack is not null) json.WriteNumber("rolledBackVersion", rolledBack.VersionNumber);
            json.WriteString("role", artifact.IsTrustOnly ? "trust" : "leaf");
            json.WriteStartArray("names");
            foreach (var n in ExecTarget.NamesOf(artifact.Leaf)) json.WriteStringValue(n);
            json.WriteEndArray();
            json.WriteString("sha256Fingerprint", CertificatePem.Sha256Fingerprint(artifact.Leaf));
            json.WriteString("notAfter", new DateTimeOffset(artifact.Leaf.NotAfter.ToUniversalTime()).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            if (artifact.IsTrustOnly)
            {
                var bundle = artifact.Intermediates.Concat(artifact.Roots).Concat(artifact.AdditionalTrust).DistinctBy(c => c.Thumbprint);
                json.WriteString("caBundlePem", string.Concat(bundle.Select(CertificatePem.ToPem)));
            }
            else
            {
                json.WriteString("certificatePem", CertificatePem.ToPem(artifact.Leaf));
                json.WriteString("chainPem", string.Concat(artifact.Intermediates.Select(CertificatePem.ToPem)));
                json.WriteString("rootPem", string.Concat(artifact.Roots.Select(CertificatePem.ToPem)));
                if (withKey && artifact.PrivateKeyPem.Length > 0) json.WriteString("privateKeyPem", artifact.PrivateKeyPem);
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
