namespace Rotor.Cli;

/// <summary>Exit codes scripts can rely on.</summary>
public static class ExitCodes
{
    /// <summary>Everything asked for was done.</summary>
    public const int Ok = 0;

    /// <summary>The command ran but something failed (a certificate not reconciled, a rule broken).</summary>
    public const int Failed = 1;

    /// <summary>Bad input: a malformed manifest, an unknown option, a missing file. Nothing was changed.</summary>
    public const int InvalidInput = 2;

    /// <summary>The named resource does not exist.</summary>
    public const int NotFound = 3;

    /// <summary>Stopped by SIGINT or SIGTERM before it finished (as shells report a Ctrl-C); nothing was left half-written.</summary>
    public const int Cancelled = 130;

    public const string Help = "Exit codes: 0 ok, 1 something failed, 2 invalid input (nothing changed), 3 not found, 130 stopped (SIGINT/SIGTERM).";
}
