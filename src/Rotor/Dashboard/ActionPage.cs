using Microsoft.AspNetCore.Http;
using Rotor.Commands;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Dashboard;

/// <summary>One of the certificate page's actions: its URL segment, its button, what it tells the user.</summary>
internal sealed record DashboardAction(string Verb, string Label, string Explanation, string Done, bool Dangerous);

/// <summary>
/// Renew, rotate and roll back: a GET shows what the action does and a confirmation form; the POST
/// (form token, same origin, an operator or admin token; see <see cref="DashboardEndpoints"/>) runs it
/// through <see cref="CertificateCommands"/>, the same code, rules and lease as the CLI, with the
/// token's name in the audit log, and redirects back to the certificate (303: a reload never repeats it).
/// </summary>
internal static class ActionPage
{
    public static readonly IReadOnlyList<DashboardAction> Actions =
    [
        new("renew", "Renew", "A new version is issued now and rolled out to every target, as at the renewal time.", "Renewal requested", false),
        new("rotate", "Rotate", "A new version is issued now and rolled out to every target: trust first, in waves, through the health gates. Use it after a key compromise or a change of CA.", "Rotation requested", false),
        new("rollback", "Roll back", "A rotation in progress is rolled back everywhere it reached; otherwise the version in service gives way to the one it replaced, if that one is still in its overlap window.", "Rolled back", true),
    ];

    public static DashboardAction? Find(string? verb) => Actions.FirstOrDefault(a => a.Verb == verb);

    public static async Task ConfirmAsync(DashboardRequest r, DashboardAction action)
    {
        var name = (string)r.Http.Request.RouteValues["name"]!;
        if (await r.Host.Store.GetResourceAsync(ResourceKinds.Certificate, name, r.Aborted) is null)
        {
            await CertificatePage.NotFoundAsync(r, name);
            return;
        }
        var path = DashboardPage.CertificatePath(name);
        var w = new HtmlWriter();
        w.Html($"""<h1>{action.Label} certificate <span id="certificate-name">{name}</span>?</h1><p>{action.Explanation}</p>""");
        if (!r.Session.Principal.CanAct)
        {
            w.Html($"""<p class="error" role="alert">Your token is a {r.Session.Principal.Role} token: it may look, not act.</p><p><a href="{path}">Back</a></p>""");
            await DashboardEndpoints.WriteHtmlAsync(r.Http, action.Label, r.Session, w.ToMarkup(), StatusCodes.Status403Forbidden);
            return;
        }
        w.Html($"""
            <p>It is recorded in the audit log as done by {r.Session.Principal.Actor}.</p>
            <form method="post" action="{path}/{action.Verb}">{DashboardPage.CsrfField(r.Session)}
            <div class="actions"><button type="submit" id="confirm"{(action.Dangerous ? new HtmlMarkup(" class=\"danger\"") : HtmlMarkup.Empty)}>Yes, {action.Label.ToLowerInvariant()} {name}</button>
            <a href="{path}" id="cancel">Cancel</a></div></form>
            """);
        await DashboardEndpoints.WriteHtmlAsync(r.Http, action.Label + " " + name, r.Session, w.ToMarkup());
    }

    public static async Task RunAsync(DashboardRequest r, DashboardAction action)
    {
        var name = (string)r.Http.Request.RouteValues["name"]!;
        var commands = new CertificateCommands(r.Host);
        var by = $" by {r.Session.Principal.Actor} (dashboard)";
        var result = "";
        try
        {
            switch (action.Verb)
            {
                case "renew":
                case "rotate":
                    var found = await commands.RequestRenewalAsync(name, skipKeyUpdateWindow: false,
                        action.Verb == "renew" ? RotorReasons.RenewRequested : RotorReasons.RotateRequested,
                        (action.Verb == "renew" ? "manual renewal requested" : "manual rotation requested") + by, r.Aborted);
                    if (!found)
                    {
                        await CertificatePage.NotFoundAsync(r, name);
                        return;
                    }
                    break;
                default:
                    if (await r.Host.Store.GetResourceAsync(ResourceKinds.Certificate, name, r.Aborted) is null)
                    {
                        await CertificatePage.NotFoundAsync(r, name);
                        return;
                    }
                    // The rollback's own event says what happened; this one says who asked, before it runs.
                    await r.Host.Store.AppendEventAsync(new EventRecord(0, r.Host.Time.GetUtcNow(), ResourceKinds.Certificate, name, EventType.Normal,
                        RotorReasons.RollbackRequested, "rollback requested" + by), r.Aborted);
                    result = await commands.RollbackAsync(name, r.Aborted);
                    break;
            }
        }
        catch (RotorException e)
        {
            var w = new HtmlWriter();
            w.Html($"""
                <h1>{action.Label} {name}: not done</h1><p class="error" role="alert" id="action-error">{e.Message}</p>
                <p><a href="{DashboardPage.CertificatePath(name)}">Back to {name}</a></p>
                """);
            await DashboardEndpoints.WriteHtmlAsync(r.Http, action.Label + " " + name, r.Session, w.ToMarkup(), StatusCodes.Status409Conflict);
            return;
        }
        // The outcome is in the certificate's events (shown on its page); the link carries only which action ran.
        _ = result;
        await DashboardEndpoints.RedirectAsync(r.Http, DashboardPage.CertificatePath(name) + "?done=" + action.Verb);
    }
}
