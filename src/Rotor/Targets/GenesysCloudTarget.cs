using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Targets;

/// <summary>
/// The certificate authorities a Genesys Cloud organization trusts for its BYOC Premises trunks
/// (<c>/api/v2/telephony/providers/edges/certificateauthorities</c>). Genesys Cloud accepts no
/// private keys: the target takes trust-role bindings only, and a leaf artifact is refused.
/// Stage and activate add each CA certificate of the version (and of versions still in their
/// overlap) that the organization lacks, as <c>type: REMOTE</c>, <c>services: [SIP]</c>, named
/// <c>Rotor {certificate} {fingerprint}</c>; a CA already there (added by anyone) is left as it
/// is. Retire, run by the drain after the overlap window, deletes the old version's CA
/// certificates that the current bundle does not hold, and only entries Rotor created (by that
/// name): what an administrator uploaded is never deleted on a guess. Rollback removes nothing:
/// the previous version's CA never left, and a CA the rolled-back version added cannot break a
/// leaf. The store holds many CAs at once, so the overlap has no gap.
/// </summary>
public sealed partial class GenesysCloudTarget(string name, GenesysCloudTargetSpec spec, string manifestDirectory, HttpClient http, TimeProvider time, ILogger logger)
    : ITarget, IHealthSignalTarget
{
    internal const string CertificateAuthorities = "/api/v2/telephony/providers/edges/certificateauthorities";
    internal const string NamePrefix = "Rotor ";

    /// <summary>Most list pages read (100 entries each); an organization holds far fewer CAs.</summary>
    private const int MaxPages = 50;

    public bool CanHoldTwoCertificates => true;

    public Task StageAsync(DeploymentArtifact artifact, CancellationToken cancellationToken) => AddTrustAsync(artifact, cancellationToken);

    public Task ActivateAsync(DeploymentArtifact artifact, CancellationToken cancellationToken) => AddTrustAsync(artifact, cancellationToken);

    private async Task AddTrustAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        RequireTrust(artifact);
        var bundle = TrustBundle(artifact);
        if (bundle.Count == 0)
        {
            throw Failure(RotorReasons.TargetMisconfigured, false, $"version {artifact.VersionNumber} of {artifact.CertificateName} has no CA certificate to trust (a self-signed leaf?)");
        }
        var held = await ListAsync(cancellationToken);
        foreach (var ca in bundle)
        {
            var fingerprint = CertificatePem.Sha256Fingerprint(ca);
            if (held.Any(e => string.Equals(e.Sha256, fingerprint, StringComparison.OrdinalIgnoreCase))) continue;
            var created = await PostJsonAsync(CertificateAuthorities, CreateBody(artifact.CertificateName, ca, fingerprint), cancellationToken);
            if (created.Status == 404)
            {
                throw Failure(RotorReasons.TargetMisconfigured, false, $"POST {CertificateAuthorities}: Genesys Cloud answered 404: {Describe(created.Body)} (is {spec.ApiBase()} the organization's API host?)");
            }
            GenesysCloudLog.CaAdded(logger, name, ca.Subject, fingerprint, artifact.CertificateName, artifact.VersionNumber);
        }
        _activatedTrust = bundle.Select(CertificatePem.Sha256Fingerprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Nothing to put back: the previous version's CA certificates were never removed (see the class summary).</summary>
    public Task RollbackAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        RequireTrust(artifact);
        return Task.CompletedTask;
    }

    /// <summary>
    /// After the overlap: deletes the retired version's CA certificates that the bundle the drain
    /// just activated on this instance does not hold, and that Rotor created. Without that bundle
    /// nothing is deleted. A 404 (deleted meanwhile) counts as done.
    /// </summary>
    public async Task RetireAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        RequireTrust(artifact);
        if (_activatedTrust is not { } keep) return;
        var drop = TrustBundle(artifact).Select(CertificatePem.Sha256Fingerprint).Where(f => !keep.Contains(f)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (drop.Count == 0) return;
        foreach (var entry in (await ListAsync(cancellationToken)).Where(e => e.Sha256 is { } f && drop.Contains(f) && e.Name.StartsWith(NamePrefix, StringComparison.Ordinal)))
        {
            await DeleteAsync($"{CertificateAuthorities}/{Uri.EscapeDataString(entry.Id)}", cancellationToken);
            GenesysCloudLog.CaRemoved(logger, name, entry.Name, entry.Id, artifact.CertificateName, artifact.VersionNumber);
        }
    }

    /// <summary>The version's first CA certificate, if the organization trusts it.</summary>
    public async Task<TargetInspection> InspectAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        RequireTrust(artifact);
        var first = TrustBundle(artifact).FirstOrDefault();
        var where = $"{spec.ApiBase()}{CertificateAuthorities}";
        if (first is null) return new TargetInspection(null, null, $"{where}: the version has no CA certificate");
        var fingerprint = CertificatePem.Sha256Fingerprint(first);
        var held = (await ListAsync(cancellationToken)).FirstOrDefault(e => string.Equals(e.Sha256, fingerprint, StringComparison.OrdinalIgnoreCase));
        return held is null
            ? new TargetInspection(null, null, $"{where} does not hold the version's CA")
            : new TargetInspection(fingerprint, new DateTimeOffset(first.NotAfter.ToUniversalTime()), $"{where}/{held.Id} ({held.Name})");
    }

    /// <summary>The trust store's entries, every page.</summary>
    internal async Task<IReadOnlyList<CaEntry>> ListAsync(CancellationToken cancellationToken)
    {
        var entries = new List<CaEntry>();
        for (var page = 1; page <= MaxPages; page++)
        {
            var answer = await GetAsync($"{CertificateAuthorities}?pageSize=100&pageNumber={page}", cancellationToken);
            if (answer.Status == 404)
            {
                throw Failure(RotorReasons.TargetMisconfigured, false, $"GET {CertificateAuthorities}: Genesys Cloud answered 404: {Describe(answer.Body)} (is {spec.ApiBase()} the organization's API host?)");
            }
            int pageCount;
            try
            {
                using var json = JsonDocument.Parse(answer.Body, new JsonDocumentOptions { MaxDepth = 16 });
                var root = json.RootElement;
                if (!root.TryGetProperty("entities", out var list) || list.ValueKind != JsonValueKind.Array) throw new JsonException();
                foreach (var e in list.EnumerateArray()) entries.Add(CaEntry.Read(e));
                pageCount = root.TryGetProperty("pageCount", out var pc) && pc.TryGetInt32(out var n) ? n : page;
                if (list.GetArrayLength() == 0) break;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw Failure(RotorReasons.GenesysRejected, true, $"GET {CertificateAuthorities}: the answer is not a certificate authority listing");
            }
            if (page >= pageCount) break;
        }
        return entries;
    }

    /// <summary>One entry of the trust store: id, name, and the SHA-256 of its certificate (null when it does not parse).</summary>
    internal sealed record CaEntry(string Id, string Name, string? Sha256, string? Type)
    {
        public static CaEntry Read(JsonElement e)
        {
            string? Text(string key) => e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            string? sha = null;
            if (Text("certificate") is { } pem)
            {
                try
                {
                    var chain = CertificatePem.ReadPemChain(pem);
                    if (chain.Count > 0) sha = CertificatePem.Sha256Fingerprint(chain[0]);
                }
                catch (Exception x) when (x is CryptographicException or FormatException or ArgumentException)
                {
                    sha = null; // someone's entry Rotor cannot read: never Rotor's to touch
                }
            }
            return new CaEntry(Text("id") ?? "", Text("name") ?? "", sha, Text("type"));
        }
    }

    /// <summary>The documented create body: name, description, certificate (PEM), type REMOTE, services [SIP].</summary>
    private static byte[] CreateBody(string certificateName, X509Certificate2 ca, string fingerprint)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", $"{NamePrefix}{certificateName} {fingerprint[..16].ToLowerInvariant()}");
            json.WriteString("description", $"Trusted for certificate {certificateName}; managed by Rotor, removed after the overlap window when no version needs it");
            json.WriteString("certificate", CertificatePem.ToPem(ca));
            json.WriteString("type", "REMOTE");
            json.WriteStartArray("services");
            json.WriteStringValue("SIP");
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static IReadOnlyList<X509Certificate2> TrustBundle(DeploymentArtifact artifact) =>
        [.. artifact.Intermediates.Concat(artifact.Roots).Concat(artifact.AdditionalTrust).DistinctBy(c => c.Thumbprint)];

    /// <summary>SHA-256 fingerprints of the bundle this instance last added (a drain's current bundle).</summary>
    private HashSet<string>? _activatedTrust;

    private void RequireTrust(DeploymentArtifact artifact)
    {
        if (!artifact.IsTrustOnly)
        {
            throw Failure(RotorReasons.GenesysTrustOnly, false,
                $"certificate {artifact.CertificateName} is bound as a leaf, but Genesys Cloud accepts no private keys, only CA certificates; bind this target with role: trust");
        }
    }

    private RotorException Failure(string reason, bool transient, string message, TimeSpan? retryAfter = null) =>
        new($"genesysCloud target '{name}': {message}", transient) { Reason = reason, RetryAfter = retryAfter };

    public override string ToString() => $"genesysCloud target {name} ({spec.Region})";
}
