using System.Security.Cryptography.X509Certificates;
using Rotor.Acme.Ari;
using Rotor.Acme.Transport;

namespace Rotor.Acme;

public sealed partial class AcmeClient
{
    /// <summary>Whether the server offers ARI (a <c>renewalInfo</c> URL in its directory).</summary>
    public async Task<bool> SupportsRenewalInfoAsync(CancellationToken cancellationToken) =>
        (await GetDirectoryAsync(cancellationToken)).RenewalInfo is not null;

    /// <summary>
    /// Fetches the suggested renewal window of a certificate (an unauthenticated GET); null without
    /// ARI. A window whose end is not after its start, or that lies more than a century from now,
    /// is malformed: RFC 9773 4.2 has the client act as if no answer had come.
    /// </summary>
    public async Task<RenewalWindow?> GetRenewalInfoAsync(X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        var directory = await GetDirectoryAsync(cancellationToken);
        if (directory.RenewalInfo is null) return null;
        var baseUrl = directory.RenewalInfo.AbsoluteUri.TrimEnd('/');
        var response = await _http.GetAsync(new Uri(baseUrl + "/" + AriCertId.For(certificate)), cancellationToken);
        const string what = "the renewalInfo";
        var json = response.Json(what);
        var window = AcmeJson.Object(json, "suggestedWindow", what) ?? throw AcmeException.Malformed("renewalInfo without suggestedWindow");
        var now = _time.GetUtcNow();
        DateTimeOffset Read(string name)
        {
            var at = AcmeJson.Time(window, name, what + ": suggestedWindow") ?? throw AcmeException.Malformed($"suggestedWindow without {name}");
            // Compared as distances, which cannot overflow: both ends lie within year 1 to 9999.
            return (at > now ? at - now : now - at) <= AcmeLimits.MaxDateDistance
                ? at
                : throw AcmeException.Malformed($"suggestedWindow {name} {at:u} is more than a century from now");
        }
        var start = Read("start");
        var end = Read("end");
        if (end <= start) throw AcmeException.Malformed($"suggestedWindow ends ({end:u}) before it starts ({start:u})");
        // explanationURL is for people only: one that is not an http(s) URL is left out.
        var explanation = json["explanationURL"] is System.Text.Json.Nodes.JsonValue e && e.TryGetValue<string>(out var text) ? AcmeUrl.TryResolve(null, text) : null;
        return new RenewalWindow(start, end, explanation, response.RetryAfter);
    }
}
