namespace Rotor.Core.Resources;

/// <summary>The <c>exec</c> and <c>webhook</c> deploy targets.</summary>
public static partial class ManifestParser
{
    private static TargetSpec? ParseExecTarget(MappingReader spec, MappingReader? e)
    {
        if (e is null)
        {
            spec.Error("exec", "required", "an exec target needs a command");
            return null;
        }
        string? command = null;
        IReadOnlyList<string>? arguments = null;
        if (e.Find("command") is ManifestSequence)
        {
            // A list is a program and its arguments, run without a shell.
            arguments = e.StringList("command");
            if (arguments.Count == 0 || arguments[0].Length == 0) e.Error("command", "required", "a command list needs at least the program");
        }
        else
        {
            command = e.String("command", required: true, allowLineBreaks: true);
            if (command is { Length: 0 }) e.Error("command", "required", "the command is empty");
        }
        var env = e.StringList("env");
        foreach (var name in env)
        {
            if (!IsEnvironmentName(name))
            {
                e.Error("env", "environment-name", $"'{ManifestErrorList.Printable(name)}' is not an environment variable name (letters, digits and '_', not starting with a digit)");
            }
            else if (name == MasterKeyVariable)
            {
                e.Error("env", "environment-secret", $"{MasterKeyVariable} is never passed to a child process");
            }
        }
        var timeout = Timeout(e, "timeout") ?? ExecTargetSpec.DefaultTimeout;
        var steps = HookStepList(e, allowInspect: true);
        var path = e.String("path");
        e.RejectUnknown();
        if (command is null && arguments is null) return null;
        return new TargetSpec(TargetKind.Exec)
        {
            Exec = new ExecTargetSpec { Command = command, Arguments = arguments, Env = env, Timeout = timeout, Steps = steps, Path = path },
        };
    }

    private static TargetSpec? ParseWebhookTarget(MappingReader spec, MappingReader? w)
    {
        if (w is null)
        {
            spec.Error("webhook", "required", "a webhook target needs url and secretRef");
            return null;
        }
        var url = HttpUrl(w, "url");
        var secret = w.SecretRef("secretRef", required: true);
        var caBundle = w.String("caBundle");
        var includeKey = w.Bool("includePrivateKey") ?? false;
        if (includeKey && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme != Uri.UriSchemeHttps)
        {
            w.Error("includePrivateKey", "https-only", "a private key is only sent over https://; change the url or drop includePrivateKey");
        }
        var timeout = Timeout(w, "timeout") ?? WebhookTargetSpec.DefaultTimeout;
        var attempts = w.Int("attempts") ?? WebhookTargetSpec.DefaultAttempts;
        if (attempts is < 1 or > 10) w.Error("attempts", "attempts-range", "must be from 1 to 10");
        var steps = HookStepList(w, allowInspect: false);
        w.RejectUnknown();
        if (secret is null || url.Length == 0) return null;
        return new TargetSpec(TargetKind.Webhook)
        {
            Webhook = new WebhookTargetSpec(url, secret)
            {
                CaBundle = caBundle,
                IncludePrivateKey = includeKey,
                Timeout = timeout,
                Attempts = attempts,
                Steps = steps,
            },
        };
    }

    /// <summary><c>steps</c>: which of the seam's steps run the hook; default activate and rollback.</summary>
    private static IReadOnlyList<string> HookStepList(MappingReader m, bool allowInspect)
    {
        if (!m.Has("steps")) return HookSteps.Default;
        var steps = m.StringList("steps");
        var allowed = HookSteps.All.Where(s => allowInspect || s != HookSteps.Inspect).ToList();
        foreach (var step in steps)
        {
            if (!allowed.Contains(step))
            {
                m.Error("steps", "hook-step", $"'{ManifestErrorList.Printable(step)}' is not a step; use {string.Join(", ", allowed)}");
            }
        }
        if (steps.Count == 0) m.Error("steps", "required", $"name at least one of {string.Join(", ", allowed)}");
        return steps.Distinct(StringComparer.Ordinal).ToList();
    }

    private static bool IsEnvironmentName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
