using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Rotor.Acme.Jws;
using Rotor.Core.Abstractions;

namespace Rotor.AcmeServer;

internal sealed partial class AcmeServerEndpoints
{
    private const int MaxIdentifiers = 100;

    /// <summary>newOrder (RFC 8555 7.4): every identifier checked against the policy, the account's rate checked, one authorization per identifier.</summary>
    private async Task NewOrderAsync(HttpContext context)
    {
        using var request = await ReadSignedAsync(context, Signer.Kid);
        var account = request.RequireAccount();
        using var payload = request.Jws.PayloadJson();
        var p = payload.RootElement;
        var ct = context.RequestAborted;
        var identifiers = ReadIdentifiers(p);
        var refused = new List<string>();
        foreach (var id in identifiers)
        {
            if (id.Type is not ("dns" or "ip")) throw AcmeProblemException.UnsupportedIdentifier($"identifier type '{id.Type}' is not supported (dns or ip)");
            if (_policy.Check(id.Type, id.Value) is { } rule) refused.Add(rule);
        }
        if (refused.Count > 0)
        {
            var problem = AcmeProblemException.RejectedIdentifier(string.Join("; ", refused));
            AcmeServerLog.Refused(_logger, _name, account.Id, Client(context), problem.Type, problem.Detail);
            throw problem;
        }
        var now = _time.GetUtcNow();
        if (_spec.Policy.RatePerAccount is { } rate && await _store.CountOrdersSinceAsync(account.Id, now - rate.Period, ct) >= rate.Count)
        {
            var problem = AcmeProblemException.RateLimited($"policy.ratePerAccount allows {rate} new orders per account; try again later");
            AcmeServerLog.Refused(_logger, _name, account.Id, Client(context), problem.Type, problem.Detail);
            throw problem;
        }
        var notBefore = ReadTime(p, "notBefore");
        var notAfter = ReadTime(p, "notAfter");
        if (notBefore is { } nb && notAfter is { } na && na <= nb) throw AcmeProblemException.Malformed("notAfter must be later than notBefore");
        var orderId = NewId();
        var expires = now + OrderLifetime;
        var authorizations = identifiers.Select(id => NewAuthorization(orderId, account.Id, id, expires)).ToList();
        var order = new AcmeOrderRecord(orderId, _name, account.Id, "pending", identifiers, authorizations.Select(a => a.Id).ToList(),
            expires, notBefore, notAfter, null, null, Client(context), now);
        await _store.AddOrderAsync(order, authorizations, ct);
        await WriteJsonAsync(context, StatusCodes.Status201Created, OrderView(context, order), AcmeServerJsonContext.Default.OrderJson, OrderUrl(context, orderId));
    }

    private static List<AcmeIdentifierRecord> ReadIdentifiers(JsonElement p)
    {
        if (!p.TryGetProperty("identifiers", out var ids) || ids.ValueKind != JsonValueKind.Array || ids.GetArrayLength() == 0)
        {
            throw AcmeProblemException.Malformed("identifiers must be a non-empty array");
        }
        if (ids.GetArrayLength() > MaxIdentifiers) throw AcmeProblemException.RejectedIdentifier($"an order may hold at most {MaxIdentifiers} identifiers");
        var list = new List<AcmeIdentifierRecord>();
        foreach (var id in ids.EnumerateArray())
        {
            if (id.ValueKind != JsonValueKind.Object
                || !id.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                || !id.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.String)
            {
                throw AcmeProblemException.Malformed("each identifier must be {\"type\": ..., \"value\": ...}");
            }
            var v = value.GetString()!;
            // Names compare case-insensitively; addresses in their canonical text.
            v = type.GetString() == "ip" && IPAddress.TryParse(v, out var ip) ? ip.ToString() : v.ToLowerInvariant().TrimEnd('.');
            var record = new AcmeIdentifierRecord(type.GetString()!, v);
            if (!list.Contains(record)) list.Add(record);
        }
        return list;
    }

    private static DateTimeOffset? ReadTime(JsonElement p, string name)
    {
        if (!p.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(v.GetString(), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw AcmeProblemException.Malformed($"{name} must be an RFC 3339 date");
    }

    /// <summary>http-01 and dns-01 for a name (dns-01 only for a wildcard, RFC 8555 7.1.3); http-01 for an address.</summary>
    private static AcmeAuthorizationRecord NewAuthorization(string orderId, string accountId, AcmeIdentifierRecord id, DateTimeOffset expires)
    {
        var wildcard = id.Type == "dns" && id.Value.StartsWith("*.", StringComparison.Ordinal);
        var types = id.Type == "ip" ? ["http-01"] : wildcard ? ["dns-01"] : new[] { "http-01", "dns-01" };
        var challenges = types.Select(t => new AcmeChallengeRecord(t, Base64Url.Encode(RandomNumberGenerator.GetBytes(32)), "pending", null, null)).ToList();
        var identifier = wildcard ? id with { Value = id.Value[2..] } : id;
        return new AcmeAuthorizationRecord(NewId(), orderId, accountId, identifier, "pending", expires, wildcard, challenges);
    }

    private async Task OrderAsync(HttpContext context)
    {
        using var request = await ReadSignedAsync(context, Signer.Kid);
        var order = await OwnOrderAsync(context, request.RequireAccount());
        await WriteJsonAsync(context, StatusCodes.Status200OK, OrderView(context, order), AcmeServerJsonContext.Default.OrderJson);
    }

    /// <summary>The order, if it is the account's, with its status brought up to date from its authorizations.</summary>
    private async Task<AcmeOrderRecord> OwnOrderAsync(HttpContext context, AcmeAccountRecord account)
    {
        var ct = context.RequestAborted;
        var order = await _store.GetOrderAsync(Route(context, "id"), ct);
        if (order is null || order.Server != _name) throw AcmeProblemException.NotFound("order");
        if (order.AccountId != account.Id) throw AcmeProblemException.Unauthorized("this order belongs to another account");
        var status = order.Status;
        if (status is "pending" or "ready" && _time.GetUtcNow() > order.Expires)
        {
            status = "invalid";
        }
        else if (status == "pending")
        {
            var statuses = new List<string>();
            foreach (var id in order.AuthorizationIds) statuses.Add((await _store.GetAuthorizationAsync(id, ct))?.Status ?? "invalid");
            status = statuses.All(s => s == "valid") ? "ready" : statuses.Any(s => s is "invalid" or "deactivated" or "expired" or "revoked") ? "invalid" : "pending";
        }
        if (status != order.Status)
        {
            order = order with { Status = status };
            await _store.UpdateOrderAsync(order, ct);
        }
        return order;
    }

    private async Task AuthorizationAsync(HttpContext context)
    {
        using var request = await ReadSignedAsync(context, Signer.Kid);
        var account = request.RequireAccount();
        var authz = await OwnAuthorizationAsync(context, account, Route(context, "id"));
        if (!request.Jws.IsPostAsGet)
        {
            using var payload = request.Jws.PayloadJson();
            if (payload.RootElement.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() == "deactivated")
            {
                if (authz.Status is not ("pending" or "valid")) throw AcmeProblemException.Malformed($"an authorization that is {authz.Status} cannot be deactivated");
                authz = authz with { Status = "deactivated" };
                await _store.UpdateAuthorizationAsync(authz, context.RequestAborted);
            }
        }
        await WriteJsonAsync(context, StatusCodes.Status200OK, AuthorizationView(context, authz), AcmeServerJsonContext.Default.AuthorizationJson);
    }

    private async Task<AcmeAuthorizationRecord> OwnAuthorizationAsync(HttpContext context, AcmeAccountRecord account, string id)
    {
        var authz = await _store.GetAuthorizationAsync(id, context.RequestAborted);
        if (authz is null) throw AcmeProblemException.NotFound("authorization");
        if (authz.AccountId != account.Id) throw AcmeProblemException.Unauthorized("this authorization belongs to another account");
        if (authz.Status == "pending" && _time.GetUtcNow() > authz.Expires) authz = authz with { Status = "expired" };
        return authz;
    }

    /// <summary>
    /// A challenge: POST-as-GET reads it; a POST of {} asks the server to validate. Validation runs
    /// while the request waits (bounded by validation.timeout), so the answer already says valid or
    /// invalid; clients that poll the authorization afterwards see the same.
    /// </summary>
    private async Task ChallengeAsync(HttpContext context)
    {
        using var request = await ReadSignedAsync(context, Signer.Kid);
        var account = request.RequireAccount();
        var ct = context.RequestAborted;
        var authz = await OwnAuthorizationAsync(context, account, Route(context, "id"));
        var type = Route(context, "type");
        var index = authz.Challenges.ToList().FindIndex(c => c.Type == type);
        if (index < 0) throw AcmeProblemException.NotFound("challenge");
        var challenge = authz.Challenges[index];
        if (!request.Jws.IsPostAsGet && challenge.Status == "pending" && authz.Status == "pending")
        {
            var shown = authz.Wildcard ? "*." + authz.Identifier.Value : authz.Identifier.Value;
            var failure = await _validator.ValidateAsync(type, authz.Identifier.Value, challenge.Token, account.Thumbprint, ct);
            var now = _time.GetUtcNow();
            if (failure is null)
            {
                challenge = challenge with { Status = "valid", Validated = now };
                AcmeServerLog.ChallengeValidated(_logger, _name, type, shown, authz.Id);
            }
            else
            {
                challenge = challenge with { Status = "invalid", Error = new AcmeProblemRecord(failure.Type, failure.Detail) };
                AcmeServerLog.ChallengeFailed(_logger, _name, type, shown, failure.Detail);
            }
            var challenges = authz.Challenges.ToList();
            challenges[index] = challenge;
            authz = authz with { Status = challenge.Status, Challenges = challenges };
            await _store.UpdateAuthorizationAsync(authz, ct);
        }
        context.Response.Headers.Append("Link", $"<{BaseUrl(context)}/acme/authz/{authz.Id}>;rel=\"up\"");
        await WriteJsonAsync(context, StatusCodes.Status200OK, ChallengeView(context, authz, challenge), AcmeServerJsonContext.Default.ChallengeJson);
    }

    private static string OrderUrl(HttpContext context, string id) => $"{BaseUrl(context)}/acme/order/{id}";

    private static OrderJson OrderView(HttpContext context, AcmeOrderRecord o) =>
        new(o.Status, Rfc3339(o.Expires), o.Identifiers.Select(i => new IdentifierJson(i.Type, i.Value)).ToList(),
            o.AuthorizationIds.Select(id => $"{BaseUrl(context)}/acme/authz/{id}").ToList(), $"{OrderUrl(context, o.Id)}/finalize")
        {
            NotBefore = o.NotBefore is { } nb ? Rfc3339(nb) : null,
            NotAfter = o.NotAfter is { } na ? Rfc3339(na) : null,
            Certificate = o.CertificateId is { } c ? $"{BaseUrl(context)}/acme/cert/{c}" : null,
            Error = o.Error is { } e ? new ProblemJson(e.Type, e.Detail) : null,
        };

    private static AuthorizationJson AuthorizationView(HttpContext context, AcmeAuthorizationRecord a) =>
        new(new IdentifierJson(a.Identifier.Type, a.Identifier.Value), a.Status, Rfc3339(a.Expires), a.Challenges.Select(c => ChallengeView(context, a, c)).ToList())
        {
            Wildcard = a.Wildcard ? true : null,
        };

    private static ChallengeJson ChallengeView(HttpContext context, AcmeAuthorizationRecord a, AcmeChallengeRecord c) =>
        new(c.Type, $"{BaseUrl(context)}/acme/chall/{a.Id}/{c.Type}", c.Status, c.Token)
        {
            Validated = c.Validated is { } v ? Rfc3339(v) : null,
            Error = c.Error is { } e ? new ProblemJson(e.Type, e.Detail) : null,
        };
}
