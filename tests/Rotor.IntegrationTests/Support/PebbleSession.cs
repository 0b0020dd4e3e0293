using Rotor.Acme;
using Rotor.Acme.Jws;
using Rotor.Issuers;

namespace Rotor.IntegrationTests.Support;

/// <summary>An HTTP client trusting the lab's Pebble, a fresh P-256 account key, and an ACME client on both.</summary>
public sealed class PebbleSession : IDisposable
{
    private PebbleSession(AcmeLab lab)
    {
        Http = CreateHttp(lab);
        Key = AccountKey.CreateEcdsaP256();
        Client = new AcmeClient(Http, lab.Directory, Key);
    }

    public HttpClient Http { get; }
    public AccountKey Key { get; }
    public AcmeClient Client { get; }

    public static PebbleSession Create(AcmeLab lab) => new(lab);

    /// <summary>HTTPS to Pebble (ACME and management), trusting only the lab's TLS CA.</summary>
    public static HttpClient CreateHttp(AcmeLab lab) => AcmeHttpClientFactory.Create(lab.TlsCa, TimeSpan.FromSeconds(30));

    public void Dispose()
    {
        Key.Dispose();
        Http.Dispose();
    }
}
