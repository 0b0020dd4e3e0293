using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Rotor.Api.Auth;

namespace Rotor.Dashboard;

/// <summary>
/// The web dashboard, served by <c>rotor run</c> beside the API: server-rendered HTML that reads
/// and acts without JavaScript. Every page needs a login (a session cookie from <c>/login</c>)
/// except <c>/login</c> itself and the stylesheet; every POST needs the session's form token and
/// must come from the dashboard's own origin. Every response carries the security headers.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>The dashboard of <c>rotor run</c>: API tokens log in; operator and admin tokens may act.</summary>
    public static void Map(WebApplication app, RotorHost host) => Map(app, host, new DashboardOptions
    {
        Authenticate = async (token, ct) => await host.ApiTokens.AuthenticateAsync(token, ct) is { } p
            ? new DashboardPrincipal(p.TokenName, p.Role.ToString().ToLowerInvariant(), p.Allows(ApiRole.Operator))
            : null,
        StillValid = host.ApiTokens.IsValidAsync,
    });

    public static DashboardSessions Map(IEndpointRouteBuilder app, RotorHost host, DashboardOptions options)
    {
        var queries = host.Store as IDashboardQueries
            ?? throw new InvalidOperationException($"the store ({host.Store.GetType().Name}) has no dashboard queries");
        var sessions = new DashboardSessions(options.Authenticate ?? NoTokens, host.Time, options.StillValid);
        // The API's role check (deny by default) leaves these routes alone: each checks the dashboard's session itself.
        var routes = app.MapGroup("").WithMetadata(ApiAnonymous.Instance);

        routes.MapGet(DashboardPage.StylesheetPath, context =>
        {
            SecurityHeaders(context.Response);
            context.Response.Headers.CacheControl = "public, max-age=3600";
            context.Response.ContentType = "text/css; charset=utf-8";
            return context.Response.WriteAsync(DashboardCss.Text, context.RequestAborted);
        });
        routes.MapGet("/login", context => LoginPage.ShowAsync(context, sessions, error: null, StatusCodes.Status200OK));
        routes.MapPost("/login", context => LoginPage.SubmitAsync(context, sessions));
        routes.MapPost("/logout", Form(sessions, host, queries, async r =>
        {
            sessions.End(r.Session.Id);
            r.Http.Response.Cookies.Delete(DashboardSessions.CookieName, CookieOptions(r.Http, expires: null));
            await RedirectAsync(r.Http, "/login");
        }, needsAct: false));

        routes.MapGet("/", Page(sessions, host, queries, InventoryPage.ShowAsync));
        routes.MapGet("/certificates/{name}", Page(sessions, host, queries, CertificatePage.ShowAsync));
        // One route per action (literal segments: the slim host has no regex route constraints).
        foreach (var action in ActionPage.Actions)
        {
            routes.MapGet("/certificates/{name}/" + action.Verb, Page(sessions, host, queries, r => ActionPage.ConfirmAsync(r, action)));
            routes.MapPost("/certificates/{name}/" + action.Verb, Form(sessions, host, queries, r => ActionPage.RunAsync(r, action), needsAct: true));
        }
        routes.MapGet("/events", Page(sessions, host, queries, EventsPage.ShowAsync));
        routes.MapGet("/endpoints", Page(sessions, host, queries, EndpointsPage.ShowAsync));
        routes.MapGet("/alerts", Page(sessions, host, queries, AlertsPage.ShowAsync));
        return sessions;
    }

    /// <summary>
    /// Every route the dashboard maps ("METHOD /pattern"): the API's route table leaves these to the
    /// dashboard's own session check (a test keeps this list and <see cref="Map(IEndpointRouteBuilder, RotorHost, DashboardOptions)"/> equal).
    /// </summary>
    public static readonly IReadOnlySet<string> Routes = new HashSet<string>(StringComparer.Ordinal)
    {
        "GET " + DashboardPage.StylesheetPath, "GET /login", "POST /login", "POST /logout", "GET /", "GET /certificates/{name}",
        "GET /events", "GET /endpoints", "GET /alerts",
    }.Concat(ActionPage.Actions.SelectMany(a => new[] { "GET /certificates/{name}/" + a.Verb, "POST /certificates/{name}/" + a.Verb }))
        .ToHashSet(StringComparer.Ordinal);

    private static Task<DashboardPrincipal?> NoTokens(string token, CancellationToken cancellationToken) => Task.FromResult<DashboardPrincipal?>(null);

    /// <summary>A page for logged-in users; anyone else is sent to the login page (and back here after it).</summary>
    private static RequestDelegate Page(DashboardSessions sessions, RotorHost host, IDashboardQueries queries, Func<DashboardRequest, Task> page) => async context =>
    {
        SecurityHeaders(context.Response);
        var session = await sessions.FindAsync(context.Request.Cookies[DashboardSessions.CookieName], context.RequestAborted);
        if (session is null)
        {
            await RedirectAsync(context, "/login?next=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
            return;
        }
        await page(new DashboardRequest(context, host, session, queries));
    };

    /// <summary>
    /// A form's target: a login, a POST from this origin (Origin and Sec-Fetch-Site, when the browser
    /// sends them, must say so) and the session's form token are all required; <paramref name="needsAct"/>
    /// also needs a token that may act (operator or admin).
    /// </summary>
    private static RequestDelegate Form(DashboardSessions sessions, RotorHost host, IDashboardQueries queries, Func<DashboardRequest, Task> handle, bool needsAct) => async context =>
    {
        SecurityHeaders(context.Response);
        var session = await sessions.FindAsync(context.Request.Cookies[DashboardSessions.CookieName], context.RequestAborted);
        if (session is null)
        {
            await RedirectAsync(context, "/login");
            return;
        }
        if (!SameOrigin(context.Request))
        {
            await RefuseAsync(context, session, "This form was sent from another site; it was not acted on.");
            return;
        }
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null;
        if (!session.HasCsrfToken(form?[DashboardPage.CsrfFieldName].FirstOrDefault()))
        {
            await RefuseAsync(context, session, "This form has no valid form token (it may be from an older page, or from another site); it was not acted on. Go back, reload the page and try again.");
            return;
        }
        if (needsAct && !session.Principal.CanAct)
        {
            await RefuseAsync(context, session, $"The token '{session.Principal.TokenName}' is a {session.Principal.Role} token: it may look, not act. Log in with an operator token to renew, rotate or roll back.");
            return;
        }
        await handle(new DashboardRequest(context, host, session, queries));
    };

    /// <summary>True when nothing in the request says it came from another site.</summary>
    internal static bool SameOrigin(HttpRequest request)
    {
        var fetchSite = request.Headers["Sec-Fetch-Site"].FirstOrDefault();
        if (fetchSite is not null && fetchSite is not ("same-origin" or "none")) return false;
        var origin = request.Headers.Origin.FirstOrDefault();
        if (origin is null) return true;
        return string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
    }

    private static Task RefuseAsync(HttpContext context, DashboardSession? session, string why)
    {
        var w = new HtmlWriter();
        w.Html($"""<h1>Not allowed</h1><p class="error" role="alert">{why}</p><p><a href="/">Back to the certificates</a></p>""");
        return WriteHtmlAsync(context, "Not allowed", session, w.ToMarkup(), StatusCodes.Status403Forbidden);
    }

    internal static Task WriteHtmlAsync(HttpContext context, string title, DashboardSession? session, HtmlMarkup body, int status = StatusCodes.Status200OK)
    {
        SecurityHeaders(context.Response);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(DashboardPage.Render(title, context.Request.Path.Value ?? "/", session, body), context.RequestAborted);
    }

    /// <summary>303: after a POST the browser GETs the next page, so a reload never repeats an action.</summary>
    internal static Task RedirectAsync(HttpContext context, string localPath)
    {
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = localPath;
        return Task.CompletedTask;
    }

    /// <summary>
    /// No script may run (none is inline, none is loaded), styles only from this origin, no framing,
    /// forms only to this origin; the referrer stays on this origin (a cross-origin one would carry
    /// certificate names), and pages are not cached (they show the fleet's state and a form token).
    /// </summary>
    internal static void SecurityHeaders(HttpResponse response)
    {
        var h = response.Headers;
        h.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "same-origin";
        h["Cross-Origin-Opener-Policy"] = "same-origin";
        h.CacheControl = "no-store";
    }

    /// <summary>HttpOnly, SameSite=Strict, path /, and Secure whenever the dashboard is served over HTTPS.</summary>
    internal static CookieOptions CookieOptions(HttpContext context, DateTimeOffset? expires) => new()
    {
        // Not ASP.NET Core's cookie policy's business: these are the dashboard's own, always needed.
        HttpOnly = true,
        Secure = context.Request.IsHttps,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}

/// <summary>How the dashboard checks a pasted token; without one nobody can log in.</summary>
public sealed record DashboardOptions
{
    public DashboardAuthenticator? Authenticate { get; init; }

    /// <summary>Checked on every request of a session: a revoked token's sessions end. None: sessions live their time.</summary>
    public DashboardTokenCheck? StillValid { get; init; }
}
