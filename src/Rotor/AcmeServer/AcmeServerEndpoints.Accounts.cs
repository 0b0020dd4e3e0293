using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Rotor.Core.Abstractions;

namespace Rotor.AcmeServer;

internal sealed partial class AcmeServerEndpoints
{
    private const int MaxContacts = 10;

    /// <summary>newAccount (RFC 8555 7.3): an existing key gets its account back; a new one needs a valid, unbound EAB key.</summary>
    private async Task NewAccountAsync(HttpContext context)
    {
        using var request = await ReadSignedAsync(context, Signer.Jwk);
        using var payload = request.Jws.PayloadJson();
        var p = payload.RootElement;
        var ct = context.RequestAborted;
        var existing = await _store.FindAccountByThumbprintAsync(_name, request.Key.Thumbprint, ct);
        if (existing is not null)
        {
            if (existing.Status != "valid") throw AcmeProblemException.Unauthorized($"the account of this key is {existing.Status}");
            await WriteJsonAsync(context, StatusCodes.Status200OK, AccountView(context, existing), AcmeServerJsonContext.Default.AccountJson, AccountUrl(context, existing.Id));
            return;
        }
        if (p.TryGetProperty("onlyReturnExisting", out var only) && only.ValueKind == JsonValueKind.True)
        {
            throw AcmeProblemException.AccountDoesNotExist("no account exists for this key");
        }
        var contact = ReadContacts(p);
        string? eabKeyId = null;
        if (p.TryGetProperty("externalAccountBinding", out var eab) && eab.ValueKind != JsonValueKind.Null)
        {
            eabKeyId = await CheckExternalAccountBindingAsync(eab, request, ct);
        }
        else if (_spec.ExternalAccountRequired)
        {
            throw AcmeProblemException.ExternalAccountRequired(
                "this server requires External Account Binding: ask its operator for a key (rotor acme-server eab create NAME) and give its keyID and hmacKey to your ACME client");
        }
        var account = new AcmeAccountRecord(NewId(), _name, request.Key.Thumbprint, request.Key.CanonicalJson, "valid", contact, eabKeyId, _time.GetUtcNow());
        if (!await _store.AddAccountAsync(account, ct))
        {
            throw AcmeProblemException.Unauthorized("the External Account Binding key is already bound to another account (each key binds one account)");
        }
        AcmeServerLog.AccountCreated(_logger, _name, account.Id, Client(context), eabKeyId ?? "none");
        await RecordAsync(RotorReasons.AcmeServerAccountCreated, $"account {account.Id} created from {Client(context)} with EAB key {eabKeyId ?? "none"}", ct);
        await WriteJsonAsync(context, StatusCodes.Status201Created, AccountView(context, account), AcmeServerJsonContext.Default.AccountJson, AccountUrl(context, account.Id));
    }

    /// <summary>
    /// RFC 8555 7.3.4: a JWS over the account's JWK, MAC'd with the EAB key (HS256/384/512), its
    /// kid the EAB key id, its url newAccount's, no nonce. Returns the EAB key id it binds.
    /// </summary>
    private async Task<string> CheckExternalAccountBindingAsync(JsonElement eab, SignedRequest request, CancellationToken ct)
    {
        using var inner = AcmeJws.Parse(eab, requireNonce: false);
        if (!inner.Alg.StartsWith("HS", StringComparison.Ordinal)) throw AcmeProblemException.Malformed("externalAccountBinding must be MAC'd with HS256, HS384 or HS512");
        if (inner.Nonce is not null) throw AcmeProblemException.Malformed("externalAccountBinding must not carry a nonce");
        if (inner.Kid is null) throw AcmeProblemException.Malformed("externalAccountBinding carries no kid (the EAB key id)");
        if (inner.Url != request.Jws.Url) throw AcmeProblemException.Unauthorized("externalAccountBinding's url is not newAccount's");
        AcmeJwk bound;
        try
        {
            using var jwk = JsonDocument.Parse(inner.Payload, new JsonDocumentOptions { MaxDepth = 8 });
            bound = AcmeJwk.Parse(jwk.RootElement);
        }
        catch (JsonException)
        {
            throw AcmeProblemException.Malformed("externalAccountBinding's payload is not a JWK");
        }
        using (bound)
        {
            if (bound.Thumbprint != request.Key.Thumbprint) throw AcmeProblemException.Unauthorized("externalAccountBinding binds another key than the one this request is signed with");
        }
        var key = await _store.FindEabKeyAsync(inner.Kid, ct);
        if (key is null) throw AcmeProblemException.Unauthorized($"EAB key id '{inner.Kid}' is unknown to this server");
        var hmac = _host.Secrets.Open(EabKeys.SealLabel(key.KeyId), key.SealedHmacKey);
        try
        {
            if (!inner.VerifyMac(hmac)) throw AcmeProblemException.Unauthorized($"the externalAccountBinding MAC does not verify with EAB key '{inner.Kid}'");
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(hmac);
        }
        if (key.AccountId is not null) throw AcmeProblemException.Unauthorized($"EAB key '{inner.Kid}' is already bound to an account (each key binds one account)");
        return key.KeyId;
    }

    private static List<string> ReadContacts(JsonElement payload)
    {
        if (!payload.TryGetProperty("contact", out var contact) || contact.ValueKind == JsonValueKind.Null) return [];
        if (contact.ValueKind != JsonValueKind.Array) throw AcmeProblemException.Malformed("contact must be an array of URLs");
        var list = new List<string>();
        foreach (var c in contact.EnumerateArray())
        {
            var text = c.ValueKind == JsonValueKind.String ? c.GetString()! : throw AcmeProblemException.Malformed("each contact must be a string");
            if (!text.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) || text.Length > 320 || text.Any(char.IsControl))
            {
                throw new AcmeProblemException("unsupportedContact", $"contact '{(text.Length > 64 ? text[..64] + "…" : text)}' is not a mailto: URL", StatusCodes.Status400BadRequest);
            }
            list.Add(text);
        }
        if (list.Count > MaxContacts) throw new AcmeProblemException("invalidContact", $"at most {MaxContacts} contacts", StatusCodes.Status400BadRequest);
        return list;
    }

    /// <summary>The account resource: POST-as-GET reads it; a payload updates contact or deactivates it (RFC 8555 7.3.2, 7.3.6).</summary>
    private async Task AccountAsync(HttpContext context)
    {
        using var request = await ReadSignedAsync(context, Signer.Kid);
        var account = request.RequireAccount();
        if (account.Id != Route(context, "id")) throw AcmeProblemException.Unauthorized("an account can only read or change itself");
        if (!request.Jws.IsPostAsGet)
        {
            using var payload = request.Jws.PayloadJson();
            var p = payload.RootElement;
            if (p.TryGetProperty("contact", out _)) account = account with { Contact = ReadContacts(p) };
            if (p.TryGetProperty("status", out var status))
            {
                if (status.ValueKind != JsonValueKind.String || status.GetString() != "deactivated") throw AcmeProblemException.Malformed("status may only be set to \"deactivated\"");
                account = account with { Status = "deactivated" };
                await RecordAsync(RotorReasons.AcmeServerAccountDeactivated, $"account {account.Id} deactivated itself", context.RequestAborted);
            }
            await _store.UpdateAccountAsync(account, context.RequestAborted);
        }
        await WriteJsonAsync(context, StatusCodes.Status200OK, AccountView(context, account), AcmeServerJsonContext.Default.AccountJson);
    }

    private async Task OrdersAsync(HttpContext context)
    {
        using var request = await ReadSignedAsync(context, Signer.Kid);
        var account = request.RequireAccount();
        if (account.Id != Route(context, "id")) throw AcmeProblemException.Unauthorized("an account can only list its own orders");
        var ids = await _store.ListOrderIdsAsync(account.Id, 1000, context.RequestAborted);
        await WriteJsonAsync(context, StatusCodes.Status200OK, new OrdersListJson(ids.Select(id => OrderUrl(context, id)).ToList()), AcmeServerJsonContext.Default.OrdersListJson);
    }

    /// <summary>keyChange (RFC 8555 7.3.5): an inner JWS by the new key, over the account URL and the old key.</summary>
    private async Task KeyChangeAsync(HttpContext context)
    {
        using var request = await ReadSignedAsync(context, Signer.Kid);
        var account = request.RequireAccount();
        using var outer = request.Jws.PayloadJson();
        using var inner = AcmeJws.Parse(outer.RootElement, requireNonce: false);
        if (inner.Jwk is not { } newKey) throw AcmeProblemException.Malformed("the inner JWS of keyChange must carry the new key as jwk");
        if (inner.Kid is not null || inner.Nonce is not null) throw AcmeProblemException.Malformed("the inner JWS of keyChange carries neither kid nor nonce");
        if (inner.Url != request.Jws.Url) throw AcmeProblemException.Malformed("the inner JWS's url must be keyChange's");
        inner.Verify(newKey);
        using var payload = inner.PayloadJson();
        var p = payload.RootElement;
        if (!p.TryGetProperty("account", out var acct) || acct.ValueKind != JsonValueKind.String || acct.GetString() != request.Jws.Kid)
        {
            throw AcmeProblemException.Malformed("the inner payload's account must be the outer JWS's kid");
        }
        if (!p.TryGetProperty("oldKey", out var oldKey)) throw AcmeProblemException.Malformed("the inner payload carries no oldKey");
        using (var old = AcmeJwk.Parse(oldKey))
        {
            if (old.Thumbprint != account.Thumbprint) throw AcmeProblemException.Unauthorized("oldKey is not the account's current key");
        }
        var ct = context.RequestAborted;
        if (await _store.FindAccountByThumbprintAsync(_name, newKey.Thumbprint, ct) is { } taken)
        {
            throw AcmeProblemException.Conflict("the new key already belongs to an account", AccountUrl(context, taken.Id));
        }
        var updated = account with { Thumbprint = newKey.Thumbprint, JwkJson = newKey.CanonicalJson };
        if (!await _store.UpdateAccountAsync(updated, ct)) throw AcmeProblemException.Conflict("the new key already belongs to an account", AccountUrl(context, account.Id));
        AcmeServerLog.KeyChanged(_logger, _name, account.Id);
        await RecordAsync(RotorReasons.AcmeServerKeyChanged, $"account {account.Id} rolled over to a new key", ct);
        await WriteJsonAsync(context, StatusCodes.Status200OK, AccountView(context, updated), AcmeServerJsonContext.Default.AccountJson);
    }

    private static string AccountUrl(HttpContext context, string id) => $"{BaseUrl(context)}/acme/acct/{id}";

    private static AccountJson AccountView(HttpContext context, AcmeAccountRecord a) =>
        new(a.Status, a.Contact.Count > 0 ? a.Contact : null, $"{AccountUrl(context, a.Id)}/orders");
}
