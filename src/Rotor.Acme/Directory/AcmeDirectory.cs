using System.Text.Json.Nodes;
using Rotor.Acme.Transport;

namespace Rotor.Acme.Directory;

/// <summary>The server's directory (RFC 8555 7.1.1), with ARI's renewalInfo (RFC 9773) and profiles when offered.</summary>
public sealed record AcmeDirectory(
    Uri NewNonce,
    Uri NewAccount,
    Uri NewOrder,
    Uri? RevokeCert,
    Uri? KeyChange,
    Uri? RenewalInfo,
    Uri? TermsOfService,
    bool ExternalAccountRequired,
    IReadOnlyDictionary<string, string> Profiles)
{
    /// <summary>Reads the directory; a missing required URL or a field of the wrong type is an <see cref="AcmeException"/>.</summary>
    public static AcmeDirectory Parse(JsonObject json, Uri baseUri)
    {
        var what = $"the ACME directory at {baseUri}";
        Uri Required(string name) => AcmeJson.Url(json, name, baseUri, what) ?? throw AcmeException.Malformed($"{what} has no '{name}'");
        var meta = AcmeJson.Object(json, "meta", what);
        var profiles = new Dictionary<string, string>(StringComparer.Ordinal);
        if (meta is not null && AcmeJson.Object(meta, "profiles", what + ": meta") is { } p)
        {
            if (p.Count > AcmeLimits.MaxProfiles)
            {
                throw AcmeException.Malformed($"{what}: meta.profiles has {p.Count} entries (at most {AcmeLimits.MaxProfiles} are accepted)");
            }
            foreach (var (name, description) in p)
            {
                // A description is only shown to people; any JSON is quoted as text.
                profiles[AcmeLimits.Quote(name, 100)] = AcmeLimits.Quote(description is JsonValue v && v.TryGetValue<string>(out var s) ? s : description?.ToJsonString());
            }
        }
        // Only shown to people and agreed to, never fetched: any absolute URI (Pebble's is a data: URL);
        // one that is not a URI at all is left out rather than failing the whole directory.
        static Uri? TermsOfService(JsonObject meta, string what) =>
            AcmeJson.String(meta, "termsOfService", what + ": meta", AcmeLimits.MaxUrlLength) is { } s && Uri.TryCreate(s, UriKind.Absolute, out var uri) ? uri : null;

        return new AcmeDirectory(
            Required("newNonce"), Required("newAccount"), Required("newOrder"),
            AcmeJson.Url(json, "revokeCert", baseUri, what), AcmeJson.Url(json, "keyChange", baseUri, what), AcmeJson.Url(json, "renewalInfo", baseUri, what),
            meta is null ? null : TermsOfService(meta, what),
            meta is not null && (AcmeJson.Bool(meta, "externalAccountRequired", what + ": meta") ?? false),
            profiles);
    }
}
