using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Rotor.Acme.Jws;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Validation;

namespace Rotor.AcmeServer;

/// <summary>
/// The RFC 8555 resources of one AcmeServer: directory, newNonce, newAccount (External Account
/// Binding required unless the resource turns it off), accounts, orders, authorizations,
/// http-01 and dns-01 challenges, finalize, certificate download, revokeCert and keyChange.
/// Every POST is a JWS checked here (nonce used once, url equal to the request's, signature by
/// the jwk or the kid's account key) before a handler sees it; every refusal is a problem document.
/// Accounts, orders and authorizations live in the store, so a restart keeps them.
/// </summary>
internal sealed partial class AcmeServerEndpoints : IDisposable
{
    private const string ProblemContentType = "application/problem+json";
    private static readonly TimeSpan OrderLifetime = TimeSpan.FromDays(7);

    private readonly string _name;
    private readonly AcmeServerSpec _spec;
    private readonly RotorHost _host;
    private readonly IAcmeServerStore _store;
    private readonly AcmeNonces _nonces;
    private readonly AcmeIdentifierPolicy _policy;
    private readonly AcmeChallengeValidator _validator;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public AcmeServerEndpoints(string name, AcmeServerSpec spec, RotorHost host, ILogger logger)
    {
        _name = name;
        _spec = spec;
        _host = host;
        _store = host.AcmeServerStore;
        _time = host.Time;
        _nonces = new AcmeNonces(host.Time);
        _policy = new AcmeIdentifierPolicy(spec.Policy);
        _validator = new AcmeChallengeValidator(spec.Validation);
        _logger = logger;
    }

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/directory", Handle(DirectoryAsync));
        app.MapMethods("/acme/new-nonce", ["HEAD", "GET"], Handle(NewNonceAsync));
        app.MapPost("/acme/new-account", Handle(NewAccountAsync));
        app.MapPost("/acme/acct/{id}", Handle(AccountAsync));
        app.MapPost("/acme/acct/{id}/orders", Handle(OrdersAsync));
        app.MapPost("/acme/new-order", Handle(NewOrderAsync));
        app.MapPost("/acme/order/{id}", Handle(OrderAsync));
        app.MapPost("/acme/order/{id}/finalize", Handle(FinalizeAsync));
        app.MapPost("/acme/authz/{id}", Handle(AuthorizationAsync));
        app.MapPost("/acme/chall/{id}/{type}", Handle(ChallengeAsync));
        app.MapPost("/acme/cert/{id}", Handle(CertificateAsync));
        app.MapPost("/acme/revoke-cert", Handle(RevokeAsync));
        app.MapPost("/acme/key-change", Handle(KeyChangeAsync));
    }

    /// <summary>Runs a handler; a refusal becomes its problem document, anything unexpected a serverInternal one (logged, details kept out of the answer).</summary>
    private RequestDelegate Handle(Func<HttpContext, Task> handler) => async context =>
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["Link"] = $"<{BaseUrl(context)}/directory>;rel=\"index\"";
        try
        {
            await handler(context);
        }
        catch (AcmeProblemException problem)
        {
            await WriteProblemAsync(context, problem);
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            AcmeServerLog.RequestFailed(_logger, _name, context.Request.Path.ToString(), e);
            await WriteProblemAsync(context, AcmeProblemException.ServerInternal("the server failed to handle this request; see its log"));
        }
    };

    private async Task WriteProblemAsync(HttpContext context, AcmeProblemException problem)
    {
        context.Response.Clear();
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["Replay-Nonce"] = _nonces.Next();
        if (problem.Location is not null) context.Response.Headers.Location = problem.Location;
        if (problem.Status == StatusCodes.Status429TooManyRequests && _spec.Policy.RatePerAccount is { } rate)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(rate.Period.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        context.Response.StatusCode = problem.Status;
        context.Response.ContentType = ProblemContentType;
        await JsonSerializer.SerializeAsync(context.Response.Body, new ProblemJson(problem.Type, problem.Detail) { Status = problem.Status },
            AcmeServerJsonContext.Default.ProblemJson, context.RequestAborted);
    }

    private static string BaseUrl(HttpContext context) => $"https://{context.Request.Host.Value}";

    private static string Route(HttpContext context, string key) => context.Request.RouteValues[key] as string ?? "";

    private static string Client(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static string NewId() => Base64Url.Encode(RandomNumberGenerator.GetBytes(16));

    private static string Rfc3339(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private async Task WriteJsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type, string? location = null)
    {
        context.Response.StatusCode = status;
        context.Response.Headers["Replay-Nonce"] = _nonces.Next();
        if (location is not null) context.Response.Headers.Location = location;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted);
    }

    private async Task DirectoryAsync(HttpContext context)
    {
        var b = BaseUrl(context);
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body,
            new DirectoryJson($"{b}/acme/new-nonce", $"{b}/acme/new-account", $"{b}/acme/new-order", $"{b}/acme/revoke-cert", $"{b}/acme/key-change",
                new DirectoryMetaJson(_spec.ExternalAccountRequired)),
            AcmeServerJsonContext.Default.DirectoryJson, context.RequestAborted);
    }

    private Task NewNonceAsync(HttpContext context)
    {
        context.Response.Headers["Replay-Nonce"] = _nonces.Next();
        context.Response.StatusCode = HttpMethods.IsHead(context.Request.Method) ? StatusCodes.Status200OK : StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    /// <summary>How a request must be signed: by a jwk (newAccount), by an account's kid (most), or either (revokeCert).</summary>
    private enum Signer
    {
        Jwk,
        Kid,
        Either,
    }

    /// <summary>A checked request: the JWS, the account behind its kid (null for a jwk), and the key that signed it.</summary>
    private sealed record SignedRequest(AcmeJws Jws, AcmeAccountRecord? Account, AcmeJwk Key) : IDisposable
    {
        public AcmeAccountRecord RequireAccount() => Account ?? throw AcmeProblemException.Malformed("this request must be signed with an account's kid");

        public void Dispose()
        {
            Jws.Dispose();
            if (!ReferenceEquals(Key, Jws.Jwk)) Key.Dispose();
        }
    }

    private async Task<SignedRequest> ReadSignedAsync(HttpContext context, Signer signer)
    {
        var contentType = context.Request.ContentType;
        if (contentType is not null && !contentType.StartsWith("application/jose+json", StringComparison.OrdinalIgnoreCase))
        {
            throw new AcmeProblemException("malformed", $"Content-Type must be application/jose+json, not {contentType}", StatusCodes.Status415UnsupportedMediaType);
        }
        if (context.Request.ContentLength > AcmeJws.MaxBytes) throw AcmeProblemException.Malformed($"the request body is over {AcmeJws.MaxBytes} bytes");
        var body = await ReadBoundedAsync(context.Request.Body, context.RequestAborted);
        var jws = AcmeJws.Parse(body);
        try
        {
            if (!_nonces.TryTake(jws.Nonce!)) throw AcmeProblemException.BadNonce("the nonce is unknown, used or expired; retry with the Replay-Nonce of this answer");
            var expectedUrl = BaseUrl(context) + context.Request.Path;
            if (jws.Url != expectedUrl) throw AcmeProblemException.Unauthorized($"the JWS url '{jws.Url}' is not this request's URL {expectedUrl}");
            if (jws.Jwk is { } jwk)
            {
                if (signer == Signer.Kid) throw AcmeProblemException.Malformed("this request must be signed with an account's kid, not a jwk");
                jws.Verify(jwk);
                return new SignedRequest(jws, null, jwk);
            }
            if (signer == Signer.Jwk) throw AcmeProblemException.Malformed("this request must carry the account key as jwk");
            var prefix = BaseUrl(context) + "/acme/acct/";
            var kid = jws.Kid!;
            var account = kid.StartsWith(prefix, StringComparison.Ordinal) ? await _store.GetAccountAsync(kid[prefix.Length..], context.RequestAborted) : null;
            if (account is null || account.Server != _name) throw AcmeProblemException.AccountDoesNotExist($"no account {kid} on this server");
            if (account.Status != "valid") throw AcmeProblemException.Unauthorized($"account {kid} is {account.Status}");
            var key = AcmeJwk.FromStored(account.JwkJson);
            try
            {
                jws.Verify(key);
            }
            catch
            {
                key.Dispose();
                throw;
            }
            return new SignedRequest(jws, account, key);
        }
        catch
        {
            jws.Dispose();
            throw;
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[AcmeJws.MaxBytes + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0) read += n;
        if (read > AcmeJws.MaxBytes) throw AcmeProblemException.Malformed($"the request body is over {AcmeJws.MaxBytes} bytes");
        return buffer[..read];
    }

    private Task RecordAsync(string reason, string message, CancellationToken cancellationToken) =>
        _host.Store.AppendEventAsync(new EventRecord(0, _time.GetUtcNow(), ResourceKinds.AcmeServer, _name, EventType.Normal, reason, message), cancellationToken);

    public void Dispose() => _validator.Dispose();
}
