namespace Rotor;

/// <summary>
/// Failures of the machine rather than of Rotor (a full disk, a permission, a missing folder):
/// said plainly, as the operator's to fix, never reported as a bug in Rotor.
/// </summary>
public static class OperationalError
{
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;
    private const int EROFS = 30;

    /// <summary>A plain description of <paramref name="e"/> if it is an operational failure; otherwise null.</summary>
    public static string? Describe(Exception e) => e switch
    {
        UnauthorizedAccessException => $"permission denied: {e.Message} (check the owner and mode of the data folder and of the files Rotor writes)",
        IOException io when (io.HResult & 0xFFFF) is ENOSPC or EDQUOT => $"the disk is full: {e.Message} (free space and run again; nothing was half-written)",
        IOException io when (io.HResult & 0xFFFF) == EROFS => $"the file system is read-only: {e.Message}",
        DirectoryNotFoundException or FileNotFoundException => $"not found: {e.Message}",
        IOException => $"input/output error: {e.Message}",
        Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 } => $"the disk is full: the store could not be written ({e.Message})",
        Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 } => $"the store stayed busy: {e.Message} (another process holds it too long)",
        Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 8 or 14 or 10 } => $"the store cannot be written: {e.Message} (check permissions and disk)",
        _ => null,
    };
}
