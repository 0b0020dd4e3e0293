using System.Runtime.InteropServices;

namespace Rotor.IO;

/// <summary>
/// Writes a file so that a reader (or a crash) sees either the old content or the new, never
/// a mix: temp file in the same folder, created with its final mode, fsync, rename, fsync of
/// the folder.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>One file of <see cref="WriteAllAsync"/>: where, what, and its mode.</summary>
    public readonly record struct FileContent(string Path, ReadOnlyMemory<byte> Content, UnixFileMode Mode);

    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static Task WriteAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken) =>
        WriteAllAsync([new FileContent(path, content, mode)], cancellationToken);

    /// <summary>
    /// Writes several files, each one atomically as <see cref="WriteAsync(string, ReadOnlyMemory{byte}, UnixFileMode, CancellationToken)"/>
    /// does, sharing the waits for the disk: every temp file is written and its write-back started, then
    /// every one is fsynced, then each is renamed in the order given, then each folder is fsynced once.
    /// A reader sees each file old or new; when a write or fsync fails nothing is replaced, and when a
    /// rename fails the files renamed before it stay new and the others are left as they were.
    /// </summary>
    public static Task WriteAllAsync(IReadOnlyList<FileContent> files, CancellationToken cancellationToken)
    {
        // The work is synchronous (the waits are fsyncs); a failure is returned in the task, as
        // from any async method, never thrown from the call.
        try
        {
            WriteAll(files, cancellationToken);
            return Task.CompletedTask;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    private static void WriteAll(IReadOnlyList<FileContent> files, CancellationToken cancellationToken)
    {
        var pending = new List<(string Temp, string Full, FileStream Stream)>(files.Count);
        var renamed = 0;
        // Each folder is made once: the files of a set mostly share one.
        var folders = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var full = Path.GetFullPath(file.Path);
                var folder = Path.GetDirectoryName(full)!;
                if (folders.Add(folder)) Directory.CreateDirectory(folder);
                var (temp, stream) = WriteTemp(full, file.Content.Span, file.Mode);
                pending.Add((temp, full, stream));
            }
            // Every temp file is durable before the first rename: on ext4 the fsyncs after the first
            // find their data already committed, where a rename between two fsyncs would make each
            // fsync commit the journal again.
            foreach (var (_, _, stream) in pending)
            {
                stream.Flush(flushToDisk: true);
            }
            foreach (var (temp, full, stream) in pending)
            {
                stream.Dispose();
                File.Move(temp, full, overwrite: true);
                renamed++;
            }
            foreach (var dir in pending.Select(p => Path.GetDirectoryName(p.Full)!).Distinct(StringComparer.Ordinal))
            {
                SyncDirectory(dir);
            }
        }
        finally
        {
            foreach (var (temp, _, stream) in pending.Skip(renamed))
            {
                stream.Dispose();
                TryDelete(temp);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="fileName"/> (a name, not a path) is one of the temp files this class
    /// writes: <c>.NAME.&lt;32 hex digits&gt;.tmp</c> (<see cref="WriteTemp"/>) or <c>NAME.rotor-restore.tmp</c>
    /// (<see cref="CopyOver"/>). A process killed between writing and renaming one leaves it behind.
    /// </summary>
    public static bool IsTempFileName(string fileName) => TempFileName().IsMatch(fileName);

    [System.Text.RegularExpressions.GeneratedRegex(@"\A(\..+\.[0-9a-f]{32}\.tmp|.+\.rotor-restore\.tmp)\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex TempFileName();

    public static Task WriteAsync(string path, string content, UnixFileMode mode, CancellationToken cancellationToken) =>
        WriteAsync(path, System.Text.Encoding.UTF8.GetBytes(content), mode, cancellationToken);

    /// <summary>
    /// Puts a copy of <paramref name="source"/> in place of <paramref name="destination"/> atomically
    /// (copy beside it, then rename), keeping the source: how a target restores a saved file.
    /// </summary>
    public static void CopyOver(string source, string destination)
    {
        var temp = destination + ".rotor-restore.tmp";
        File.Copy(source, temp, overwrite: true);
        Replace(temp, destination);
    }

    /// <summary>
    /// Creates a temp file beside <paramref name="fullPath"/> with exactly <paramref name="mode"/>, writes
    /// <paramref name="content"/> and starts its write-back; the caller fsyncs, renames and disposes it.
    /// Nothing is left behind when this fails.
    /// </summary>
    internal static (string TempPath, FileStream Stream) WriteTemp(string fullPath, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        var temp = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : mode,
        });
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                // The umask may have narrowed the create mode; set exactly what was asked, on the open file.
                File.SetUnixFileMode(stream.SafeFileHandle, mode);
            }
            stream.Write(content);
            if (!OperatingSystem.IsWindows()) StartWriteback(stream.SafeFileHandle);
            return (temp, stream);
        }
        catch
        {
            stream.Dispose();
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Renames atomically and makes the rename durable.</summary>
    public static void Replace(string source, string destination) => ReplaceAll([(source, destination)]);

    /// <summary>Renames each file atomically, in the order given, then makes the renames durable with one fsync per folder.</summary>
    public static void ReplaceAll(IReadOnlyList<(string Source, string Destination)> moves)
    {
        foreach (var (source, destination) in moves)
        {
            File.Move(source, destination, overwrite: true);
        }
        foreach (var dir in moves.Select(m => Path.GetDirectoryName(Path.GetFullPath(m.Destination))!).Distinct(StringComparer.Ordinal))
        {
            SyncDirectory(dir);
        }
    }

    /// <summary>
    /// Makes a rename in <paramref name="dir"/> durable. .NET will not open a folder as a file,
    /// so this goes through libc: open(O_RDONLY|O_DIRECTORY), fsync, close.
    /// </summary>
    /// <returns>The errno when the fsync failed; null when it worked or the file system will not open folders.</returns>
    internal static int? SyncDirectory(string dir)
    {
        var fd = Native.Open(dir, Native.ReadOnly | Native.Directory | Native.CloseOnExec);
        if (fd < 0) return null; // a file system that will not open folders; the rename itself is still atomic
        try
        {
            return Native.Fsync(fd) == 0 ? null : Marshal.GetLastPInvokeError();
        }
        finally
        {
            Native.Close(fd);
        }
    }

    /// <summary>Starts writing a file's data to disk without waiting (sync_file_range), so a later fsync finds it under way.</summary>
    internal static void StartWriteback(Microsoft.Win32.SafeHandles.SafeFileHandle file) =>
        _ = Native.SyncFileRange(file, 0, 0, Native.SyncFileRangeWrite);

    /// <summary>Deletes a file if it can; a file that is gone or cannot be deleted is left to whoever comes next.</summary>
    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private static partial class Native
    {
        public const int ReadOnly = 0;
        public const int Directory = 0x10000; // O_DIRECTORY on Linux
        public const int CloseOnExec = 0x80000; // O_CLOEXEC on Linux
        public const uint SyncFileRangeWrite = 2; // SYNC_FILE_RANGE_WRITE: start writeback, do not wait

        [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
        public static partial int SyncFileRange(Microsoft.Win32.SafeHandles.SafeFileHandle fd, long offset, long nbytes, uint flags);

        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);
    }
}
