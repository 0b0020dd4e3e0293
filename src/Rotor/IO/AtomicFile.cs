namespace Rotor.IO;

/// <summary>
/// Writes a file so that a reader (or a crash) sees either the old content or the new, never
/// a mix: temp file in the same folder, created with its final mode, fsync, rename, fsync of
/// the folder.
/// </summary>
public static class AtomicFile
{
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = OperatingSystem.IsWindows() ? null : mode,
            };
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(content, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
            {
                // The umask may have narrowed the create mode; set exactly what was asked.
                File.SetUnixFileMode(temp, mode);
            }
            File.Move(temp, full, overwrite: true);
            SyncDirectory(dir);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static Task WriteAsync(string path, string content, UnixFileMode mode, CancellationToken cancellationToken) =>
        WriteAsync(path, System.Text.Encoding.UTF8.GetBytes(content), mode, cancellationToken);

    /// <summary>Renames atomically and makes the rename durable.</summary>
    public static void Replace(string source, string destination)
    {
        File.Move(source, destination, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
    }

    private static void SyncDirectory(string dir)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            using var handle = File.OpenHandle(dir, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // Some file systems refuse to open or sync a directory; the rename itself is still atomic.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
