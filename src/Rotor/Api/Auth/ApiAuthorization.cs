using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Rotor.Core.Abstractions;

namespace Rotor.Api.Auth;

/// <summary>The least role an endpoint needs (endpoint metadata, set by <see cref="ApiAuthorization.RequireRole{TBuilder}"/>).</summary>
public sealed record ApiRoleRequirement(ApiRole Role);

/// <summary>Marks an endpoint anyone may call without a token (/healthz, /readyz, a login page).</summary>
public sealed class ApiAnonymous
{
    public static readonly ApiAnonymous Instance = new();
}

/// <summary>
/// Who is calling, and whether they may. Authentication reads <c>Authorization: Bearer &lt;token&gt;</c>
/// and puts the <see cref="ApiPrincipal"/> in <see cref="HttpContext.Items"/>; another scheme (the
/// dashboard's session cookie) may put one there too, with <see cref="SetApiPrincipal"/>, before
/// authorization runs. Authorization is deny-by-default: an endpoint that is neither marked
/// <see cref="Anonymous{TBuilder}"/> nor given a role needs <see cref="ApiRole.Admin"/>, so a route
/// added without a thought is closed, not open.
/// </summary>
public static class ApiAuthorization
{
    private const string PrincipalKey = "Rotor.ApiPrincipal";
    private const string RejectedKey = "Rotor.ApiTokenRejected";

    public static ApiPrincipal? GetApiPrincipal(this HttpContext context) =>
        context.Items.TryGetValue(PrincipalKey, out var p) ? p as ApiPrincipal : null;

    public static void SetApiPrincipal(this HttpContext context, ApiPrincipal principal) => context.Items[PrincipalKey] = principal;

    /// <summary>The endpoint needs at least <paramref name="role"/>.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, ApiRole role) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiRoleRequirement(role));

    /// <summary>The endpoint needs no token.</summary>
    public static TBuilder Anonymous<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ApiAnonymous.Instance);

    /// <summary>The role <paramref name="endpoint"/> needs, or null when it is open to anyone.</summary>
    public static ApiRole? RequiredRole(Endpoint? endpoint)
    {
        if (endpoint is null) return null;
        if (endpoint.Metadata.GetMetadata<ApiAnonymous>() is not null) return null;
        return endpoint.Metadata.GetMetadata<ApiRoleRequirement>()?.Role ?? ApiRole.Admin;
    }

    /// <summary>True when the principal may call; else the 401 or 403 problem is written and false returned.</summary>
    public static async Task<bool> CheckAsync(HttpContext context, ApiRole required)
    {
        var principal = context.GetApiPrincipal();
        if (principal is null)
        {
            context.Response.Headers.WWWAuthenticate = context.Items.ContainsKey(RejectedKey)
                ? "Bearer error=\"invalid_token\""
                : "Bearer";
            await ApiProblem.Write(context, StatusCodes.Status401Unauthorized, RotorReasons.Unauthorized,
                context.Items.ContainsKey(RejectedKey)
                    ? "the token is unknown or revoked"
                    : "this needs a token: send 'Authorization: Bearer <token>' (rotor token create NAME --role viewer|operator|admin)",
                "Authorization", "bearer-token");
            return false;
        }
        if (!principal.Allows(required))
        {
            await ApiProblem.Write(context, StatusCodes.Status403Forbidden, RotorReasons.Forbidden,
                $"token '{principal.TokenName}' has role {principal.Role.ToString().ToLowerInvariant()}; this needs {required.ToString().ToLowerInvariant()}",
                "Authorization", "role");
            return false;
        }
        return true;
    }

    /// <summary>Reads a bearer token, if any, and records who it belongs to. Never rejects by itself.</summary>
    public static async Task AuthenticateAsync(HttpContext context, ApiTokens tokens)
    {
        if (context.GetApiPrincipal() is not null) return;
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return;
        var principal = await tokens.AuthenticateAsync(header["Bearer ".Length..].Trim(), context.RequestAborted);
        if (principal is null)
        {
            context.Items[RejectedKey] = true;
            return;
        }
        context.SetApiPrincipal(principal);
    }

    /// <summary>
    /// The two middlewares: bearer authentication first; then, once the route is known (after
    /// <paramref name="between"/>, where other schemes such as the dashboard's session add theirs),
    /// the role check.
    /// </summary>
    public static void UseApiAuthorization(this WebApplication app, ApiTokens tokens, Action? between = null)
    {
        app.Use(async (context, next) =>
        {
            await AuthenticateAsync(context, tokens);
            await next(context);
        });
        between?.Invoke();
        app.Use(async (context, next) =>
        {
            if (RequiredRole(context.GetEndpoint()) is { } required && !await CheckAsync(context, required)) return;
            await next(context);
        });
    }
}
