using Microsoft.AspNetCore.Http;

namespace Rotor.Dashboard;

/// <summary>
/// <c>/login</c>: paste an API token, get a session cookie. The token itself goes no further than
/// the check: it is never put in a cookie, a page, a log or an event. The form carries its own
/// token, matched against a short-lived cookie (double submit), and must come from this origin, so
/// another site cannot log a browser in under a token of its choosing.
/// </summary>
internal static class LoginPage
{
    private static readonly TimeSpan FormLifetime = TimeSpan.FromMinutes(30);

    public static Task ShowAsync(HttpContext context, DashboardSessions sessions, string? error, int status)
    {
        var formToken = DashboardSessions.NewSecret();
        // Max-Age, not Expires: relative to the browser's clock, whatever the server's says.
        var options = DashboardEndpoints.CookieOptions(context, null);
        options.MaxAge = FormLifetime;
        context.Response.Cookies.Append(DashboardSessions.LoginCookieName, formToken, options);
        var next = SafeNext(context.Request.Query["next"].FirstOrDefault());
        var w = new HtmlWriter();
        w.Html($"""
            <div class="login"><h1>Log in to Rotor</h1>
            <p>Paste an API token (<code>rotor token create NAME --role viewer|operator|admin</code> prints one).
            A viewer token shows the fleet; an operator token may also renew, rotate and roll back.</p>
            """);
        if (error is not null) w.Html($"""<p class="error" role="alert" id="login-error">{error}</p>""");
        w.Html($"""
            <form method="post" action="/login">
            <input type="hidden" name="form" value="{formToken}"><input type="hidden" name="next" value="{next}">
            <p><label for="token">API token</label><br>
            <input id="token" name="token" type="password" autocomplete="off" required maxlength="{DashboardSessions.MaxTokenLength}" autofocus></p>
            <p><button type="submit">Log in</button></p></form></div>
            """);
        return DashboardEndpoints.WriteHtmlAsync(context, "Log in", null, w.ToMarkup(), status);
    }

    public static async Task SubmitAsync(HttpContext context, DashboardSessions sessions)
    {
        DashboardEndpoints.SecurityHeaders(context.Response);
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null;
        var expected = context.Request.Cookies[DashboardSessions.LoginCookieName];
        if (!DashboardEndpoints.SameOrigin(context.Request) || expected is null || !DashboardSessions.SameSecret(expected, form?["form"].FirstOrDefault()))
        {
            await ShowAsync(context, sessions, "The login form had expired or came from another site. Please try again.", StatusCodes.Status403Forbidden);
            return;
        }
        var session = await sessions.LoginAsync(form?["token"].FirstOrDefault() ?? "", context.RequestAborted);
        if (session is null)
        {
            await ShowAsync(context, sessions, "That token is not valid (unknown, revoked or mistyped).", StatusCodes.Status401Unauthorized);
            return;
        }
        context.Response.Cookies.Delete(DashboardSessions.LoginCookieName, DashboardEndpoints.CookieOptions(context, null));
        // A session cookie (no Expires): it ends with the browser, or earlier on the server's side.
        context.Response.Cookies.Append(DashboardSessions.CookieName, session.Id, DashboardEndpoints.CookieOptions(context, null));
        await DashboardEndpoints.RedirectAsync(context, SafeNext(form?["next"].FirstOrDefault()));
    }

    /// <summary>Where to go after the login: a path on this site only ("/x", not "//host" or "http://...").</summary>
    internal static string SafeNext(string? next) =>
        next is { Length: > 0 and < 2048 } n && n[0] == '/' && (n.Length == 1 || (n[1] != '/' && n[1] != '\\')) && !n.Any(char.IsControl) ? n : "/";
}
