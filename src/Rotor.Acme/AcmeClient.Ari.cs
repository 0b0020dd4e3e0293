using System.Security.Cryptography.X509Certificates;
using Rotor.Acme.Ari;
using Rotor.Acme.Transport;

namespace Rotor.Acme;

public sealed partial class AcmeClient
{
    /// <summary>Whether the server offers ARI (a <c>renewalInfo</c> URL in its directory).</summary>
    public async Task<bool> SupportsRenewalInfoAsync(CancellationToken cancellationToken) =>
        (await GetDirectoryAsync(cancellationToken)).RenewalInfo is not null;

    /// <summary>Fetches the suggested renewal window of a certificate (an unauthenticated GET); null without ARI.</summary>
    public async Task<RenewalWindow?> GetRenewalInfoAsync(X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        var directory = await GetDirectoryAsync(cancellationToken);
        if (directory.RenewalInfo is null) return null;
        var baseUrl = directory.RenewalInfo.AbsoluteUri.TrimEnd('/');
        var response = await _http.GetAsync(new Uri(baseUrl + "/" + AriCertId.For(certificate)), cancellationToken);
        var json = response.Json();
        var window = json["suggestedWindow"] ?? throw new AcmeException("renewalInfo without suggestedWindow");
        DateTimeOffset Read(string name) => DateTimeOffset.Parse(window[name]?.GetValue<string>() ?? throw new AcmeException($"suggestedWindow without {name}"),
            System.Globalization.CultureInfo.InvariantCulture);
        var explanation = json["explanationURL"]?.GetValue<string>() is { } e ? new Uri(e) : null;
        return new RenewalWindow(Read("start"), Read("end"), explanation, response.RetryAfter);
    }
}
