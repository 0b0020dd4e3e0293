using System.Text.Json.Nodes;

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
    public static AcmeDirectory Parse(JsonObject json, Uri baseUri)
    {
        Uri? Url(JsonNode? node) => node?.GetValue<string>() is { } s ? new Uri(baseUri, s) : null;
        Uri Required(string name) => Url(json[name]) ?? throw new Transport.AcmeException($"the ACME directory at {baseUri} has no '{name}'");
        var meta = json["meta"] as JsonObject;
        var profiles = new Dictionary<string, string>(StringComparer.Ordinal);
        if (meta?["profiles"] is JsonObject p)
        {
            foreach (var (name, description) in p)
            {
                profiles[name] = description?.ToString() ?? "";
            }
        }
        return new AcmeDirectory(
            Required("newNonce"), Required("newAccount"), Required("newOrder"),
            Url(json["revokeCert"]), Url(json["keyChange"]), Url(json["renewalInfo"]),
            Url(meta?["termsOfService"]),
            meta?["externalAccountRequired"]?.GetValue<bool>() ?? false,
            profiles);
    }
}
