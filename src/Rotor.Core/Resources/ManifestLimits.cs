namespace Rotor.Core.Resources;

/// <summary>
/// Bounds on what one manifest file may hold. Manifests are small (a fleet of thousands of
/// certificates fits in well under a megabyte), so these limits are far above any real file and
/// far below what would let a broken or hostile file exhaust Rotor's memory, stack or time.
/// </summary>
public static class ManifestLimits
{
    /// <summary>Bytes in one manifest file, checked before the file is read.</summary>
    public const int MaxFileBytes = 4 * 1024 * 1024;

    /// <summary>Nested mappings and lists; a Rotor document needs fewer than ten.</summary>
    public const int MaxDepth = 64;

    /// <summary>Documents (including empty ones between two <c>---</c>) in one file.</summary>
    public const int MaxDocuments = 10_000;

    /// <summary>
    /// Values (scalars, lists and mappings) in one file, counting every alias as the nodes it stands
    /// for, so that a few bytes of nested aliases cannot stand for billions of values. A
    /// certificate takes about 30; reading 100,000 takes well under a second.
    /// </summary>
    public const int MaxNodes = 100_000;

    /// <summary>Errors reported for one file; past this, one more line says the rest were left out.</summary>
    public const int MaxErrors = 1_000;

    /// <summary>
    /// The longest duration: 100 years, so that now + duration and notBefore + lifetime stay far
    /// inside the dates <see cref="DateTimeOffset"/> can hold.
    /// </summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(36_525);

    /// <summary>
    /// The longest timeout or pause Rotor waits for in one go. Timers refuse waits above about
    /// 49 days; no reload, script or CA answer is worth waiting a day for.
    /// </summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(24);
}
