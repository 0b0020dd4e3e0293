namespace Rotor.Core.Resources;

/// <summary>
/// The steps of the target seam a deploy hook (an <c>exec</c> command, a <c>webhook</c> POST) can
/// be told about, as <c>ROTOR_STEP</c> and the payload's <c>step</c> say them. A deploy hook
/// normally runs on <see cref="Activate"/> and <see cref="Rollback"/> only, as certbot's
/// <c>--deploy-hook</c> runs once per new certificate.
/// </summary>
public static class HookSteps
{
    public const string Stage = "stage";
    public const string Activate = "activate";
    public const string Rollback = "rollback";
    public const string Retire = "retire";
    public const string Inspect = "inspect";

    public static readonly IReadOnlyList<string> All = [Stage, Activate, Rollback, Retire, Inspect];

    public static readonly IReadOnlyList<string> Default = [Activate, Rollback];
}

/// <summary>
/// Runs a command (an existing certbot or lego deploy hook, a hand-off script, an <c>scp</c> to an
/// HA peer) with the certificate's files in a certbot-style lineage folder (<c>cert.pem</c>,
/// <c>chain.pem</c>, <c>fullchain.pem</c>, <c>privkey.pem</c>) and the environment names those hooks
/// read. Exactly one of <see cref="Command"/> (run by <c>/bin/sh -c</c>, as certbot runs
/// <c>--deploy-hook</c> and Rotor runs reload commands) and <see cref="Arguments"/> (a program and
/// its arguments, run without a shell) is set.
/// </summary>
public sealed record ExecTargetSpec
{
    public string? Command { get; init; }

    public IReadOnlyList<string>? Arguments { get; init; }

    /// <summary>Names of Rotor's own environment variables the command also sees; never the master key.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>The <see cref="HookSteps"/> the command runs on.</summary>
    public IReadOnlyList<string> Steps { get; init; } = HookSteps.Default;

    /// <summary>
    /// The folder the lineages go to (<c>live/CERTIFICATE</c>, as in <c>/etc/letsencrypt</c>), relative
    /// to the manifest; null puts them in the data folder under <c>targets/TARGET</c>.
    /// </summary>
    public string? Path { get; init; }

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
}
