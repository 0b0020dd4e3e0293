using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rotor.Core.Abstractions;
using Rotor.Core.Renewal;
using Rotor.Core.Resources;

namespace Rotor.Storage;

/// <summary>Specs and issued facts to and from the JSON the store keeps; the hash tells a changed spec.</summary>
public static class SpecSerializer
{
    /// <summary>camelCase, enums as names, nulls left out; build-time metadata only (no reflection).</summary>
    private static RotorJsonContext Context => RotorJsonContext.Default;

    public static string Serialize(object spec) => JsonSerializer.Serialize(spec, spec.GetType(), Context);

    /// <summary>
    /// SHA-256 of the spec's JSON, computed in managed code (BouncyCastle): the system's SHA-256 would
    /// load and initialise OpenSSL, which costs a short `rotor apply` a tenth of its run time, and
    /// applying manifests needs no other cryptography. Same digest, so stored hashes stay valid.
    /// </summary>
    public static string Hash(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var digest = new Org.BouncyCastle.Crypto.Digests.Sha256Digest();
        digest.BlockUpdate(bytes, 0, bytes.Length);
        var hash = new byte[digest.GetDigestSize()];
        digest.DoFinal(hash, 0);
        return Convert.ToHexStringLower(hash);
    }

    public static object Deserialize(string kind, string json) => kind switch
    {
        ResourceKinds.Issuer => JsonSerializer.Deserialize(json, Context.IssuerSpec)!,
        ResourceKinds.Certificate => JsonSerializer.Deserialize(json, Context.CertificateSpec)!,
        ResourceKinds.Target => JsonSerializer.Deserialize(json, Context.TargetSpec)!,
        ResourceKinds.Endpoint => JsonSerializer.Deserialize(json, Context.EndpointSpec)!,
        ResourceKinds.Notifier => JsonSerializer.Deserialize(json, Context.NotifierSpec)!,
        ResourceKinds.Alerting => JsonSerializer.Deserialize(json, Context.AlertingSpec)!,
        ResourceKinds.Scan => JsonSerializer.Deserialize(json, Context.ScanSpec)!,
        ResourceKinds.AcmeServer => JsonSerializer.Deserialize(json, Context.AcmeServerSpec)!,
        _ => throw new ArgumentException($"unknown kind {kind}", nameof(kind)),
    };

    public static StoredResource ToStored(Resource r, DateTimeOffset now)
    {
        var json = Serialize(r.Spec);
        return new StoredResource(r.Kind, r.Name, 0, json, Hash(json), Path.GetFullPath(r.Source.File), now);
    }

    public static T SpecOf<T>(StoredResource r) => (T)Deserialize(r.Kind, r.SpecJson);

    /// <summary>Directory that relative paths in the resource resolve against.</summary>
    public static string BaseDirectory(StoredResource r) => Path.GetDirectoryName(r.SourceFile) ?? ".";

    internal sealed record IssuedFactsDto(string[] Names, string? CommonName, KeyAlgorithm KeyAlgorithm, int KeySize, string[] Usages, string Issuer, TimeSpan Duration);

    public static string SerializeFacts(IssuedFacts f) => JsonSerializer.Serialize(
        new IssuedFactsDto([.. f.Names.Order(StringComparer.Ordinal)], f.CommonName, f.KeyAlgorithm, f.KeySize, [.. f.Usages], f.Issuer, f.Duration), Context.IssuedFactsDto);

    public static IssuedFacts DeserializeFacts(string json, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var d = JsonSerializer.Deserialize(json, Context.IssuedFactsDto)!;
        return new IssuedFacts(new HashSet<string>(d.Names, StringComparer.OrdinalIgnoreCase), d.CommonName, d.KeyAlgorithm, d.KeySize, d.Usages, d.Issuer, d.Duration, notBefore, notAfter);
    }

    public static IssuedFacts FactsFor(CertificateSpec spec, DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        new(spec.RequiredNames(), spec.CommonName, spec.PrivateKey.Algorithm, spec.PrivateKey.Size, spec.Usages, spec.IssuerRef, spec.Duration, notBefore, notAfter);
}
