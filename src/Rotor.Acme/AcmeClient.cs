using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rotor.Acme.Directory;
using Rotor.Acme.Jws;
using Rotor.Acme.Orders;
using Rotor.Acme.Transport;

namespace Rotor.Acme;

/// <summary>
/// An RFC 8555 client for one account on one server. Thread-safe: many orders may run at once
/// on one client (they share the nonce pool). Every failure is an <see cref="AcmeException"/>.
/// </summary>
public sealed partial class AcmeClient
{
    private readonly AcmeHttp _http;
    private readonly Uri _directoryUrl;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _directoryLock = new(1, 1);
    private AcmeDirectory? _directory;

    public AcmeClient(HttpClient http, Uri directoryUrl, AccountKey accountKey, TimeProvider? time = null, AcmeClientOptions? options = null, ILogger? logger = null)
    {
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        Options = options ?? new AcmeClientOptions();
        _http = new AcmeHttp(http, _time, _logger, Options.MaxBadNonceRetries, Options.TransportRetries);
        _directoryUrl = directoryUrl;
        AccountKey = accountKey;
    }

    public AcmeClientOptions Options { get; }
    public AccountKey AccountKey { get; private set; }

    /// <summary>The account URL (the JWS <c>kid</c>) once an account is created or found.</summary>
    public Uri? AccountUrl { get; set; }

    public int BadNonceRetries => _http.BadNonceRetries;

    /// <summary>Count of requests made again after their connection dropped.</summary>
    public int TransportRetries => _http.TransportRetries;

    public async Task<AcmeDirectory> GetDirectoryAsync(CancellationToken cancellationToken)
    {
        if (_directory is not null) return _directory;
        await _directoryLock.WaitAsync(cancellationToken);
        try
        {
            if (_directory is null)
            {
                var response = await _http.GetAsync(_directoryUrl, cancellationToken);
                _directory = AcmeDirectory.Parse(response.Json($"the ACME directory at {_directoryUrl}"), _directoryUrl);
                _http.SetNewNonceUrl(_directory.NewNonce);
            }
            return _directory;
        }
        finally
        {
            _directoryLock.Release();
        }
    }

    private string Kid => AccountUrl?.AbsoluteUri ?? throw new InvalidOperationException("no account: call CreateAccountAsync or FindAccountAsync first");

    private Task<AcmeResponse> PostAsync(Uri url, JsonNode? payload, CancellationToken cancellationToken, string accept = "application/json") =>
        _http.PostAsync(url, AccountKey, Kid, payload, postAsGet: false, cancellationToken, accept);

    private Task<AcmeResponse> PostAsGetAsync(Uri url, CancellationToken cancellationToken, string accept = "application/json") =>
        _http.PostAsync(url, AccountKey, Kid, null, postAsGet: true, cancellationToken, accept);

    /// <summary>
    /// Creates the account, or returns the existing one for this key (the server answers 200
    /// with its URL). <paramref name="eab"/> binds it to an account at the CA (RFC 8555 7.3.4).
    /// </summary>
    public async Task<AcmeAccount> CreateAccountAsync(IReadOnlyList<string> contacts, bool termsOfServiceAgreed, ExternalAccountBinding? eab, CancellationToken cancellationToken)
    {
        var directory = await GetDirectoryAsync(cancellationToken);
        var payload = new JsonObject
        {
            ["termsOfServiceAgreed"] = termsOfServiceAgreed,
            ["contact"] = new JsonArray([.. contacts.Select(c => (JsonNode)JsonValue.Create(c.Contains(':', StringComparison.Ordinal) ? c : "mailto:" + c)!)]),
        };
        if (eab is not null)
        {
            payload["externalAccountBinding"] = JwsWriter.ExternalAccountBinding(AccountKey, eab.KeyId, eab.MacKey, directory.NewAccount.AbsoluteUri, eab.Algorithm);
        }
        else if (directory.ExternalAccountRequired)
        {
            throw new AcmeException("the ACME server requires External Account Binding: set the issuer's eab keyId and secret", "externalAccountRequired", null, false);
        }
        var response = await _http.PostAsync(directory.NewAccount, AccountKey, null, payload, false, cancellationToken);
        return ReadAccount(response);
    }

    /// <summary>Looks up the account of this key without creating one; null if there is none.</summary>
    public async Task<AcmeAccount?> FindAccountAsync(CancellationToken cancellationToken)
    {
        var directory = await GetDirectoryAsync(cancellationToken);
        try
        {
            var response = await _http.PostAsync(directory.NewAccount, AccountKey, null, new JsonObject { ["onlyReturnExisting"] = true }, false, cancellationToken);
            return ReadAccount(response);
        }
        catch (AcmeException e) when (e.ProblemType == "accountDoesNotExist")
        {
            return null;
        }
    }

    private AcmeAccount ReadAccount(AcmeResponse response)
    {
        var url = response.Location ?? throw AcmeException.Malformed("newAccount answered without a usable Location header");
        const string what = "the account";
        var json = response.Json(what);
        var account = new AcmeAccount(url, AcmeJson.String(json, "status", what) ?? "valid",
            AcmeJson.Array(json, "contact", what, AcmeLimits.MaxContacts)
                .Select((c, n) => AcmeJson.AsString(c, $"contact[{n}]", what, AcmeLimits.MaxUrlLength) ?? "").ToList());
        // Set only once the answer has been read whole: a malformed one leaves the client without an account.
        AccountUrl = url;
        return account;
    }

    public async Task DeactivateAccountAsync(CancellationToken cancellationToken)
    {
        await PostAsync(new Uri(Kid), new JsonObject { ["status"] = "deactivated" }, cancellationToken);
    }

    /// <summary>Replaces the account key (RFC 8555 7.3.5): inner JWS signed by the new key, outer by the old.</summary>
    public async Task RolloverKeyAsync(AccountKey newKey, CancellationToken cancellationToken)
    {
        var directory = await GetDirectoryAsync(cancellationToken);
        var keyChange = directory.KeyChange ?? throw new AcmeException("the ACME server offers no keyChange");
        var inner = JwsWriter.Sign(newKey, keyChange.AbsoluteUri, nonce: null, kid: null,
            new JsonObject { ["account"] = Kid, ["oldKey"] = AccountKey.Jwk() });
        await PostAsync(keyChange, inner, cancellationToken);
        AccountKey = newKey;
    }
}

/// <summary>The CA-given key id and MAC key of External Account Binding. Never printed.</summary>
public sealed record ExternalAccountBinding(string KeyId, byte[] MacKey, string Algorithm = "HS256")
{
    public override string ToString() => $"ExternalAccountBinding({KeyId}, {Algorithm})";
}
