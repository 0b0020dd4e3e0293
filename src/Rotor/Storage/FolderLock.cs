using Rotor.Core.Abstractions;

namespace Rotor.Storage;

/// <summary>
/// The data folder's lock for folder-wide duties (creating the store, the master key and the local
/// CA, schema migrations, the key sweep): an exclusive advisory lock (flock) on <c>rotor.lock</c>,
/// held by an open file. The kernel drops it when the process dies, however it dies, so a crash
/// never leaves the folder locked. Certificate work does not take it: that is what the
/// certificate leases in the store are for.
/// </summary>
public sealed class FolderLock : IDisposable
{
    public const string FileName = "rotor.lock";

    private readonly FileStream _file;

    private FolderLock(FileStream file) => _file = file;

    /// <summary>
    /// Waits for the lock (another Rotor process on the folder holds it only for a short duty) up
    /// to <paramref name="timeout"/>, then gives up with a message that says who to look for.
    /// </summary>
    public static async Task<FolderLock> AcquireAsync(string dataDirectory, TimeProvider time, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var path = Path.Combine(dataDirectory, FileName);
        var started = time.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            try
            {
                // On Linux, FileShare.None is an exclusive flock on the open file.
                return new FolderLock(new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                }));
            }
            catch (IOException) when (File.Exists(path) && time.GetElapsedTime(started) < timeout)
            {
                await Task.Delay(pause, time, cancellationToken);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 200));
            }
            catch (IOException e) when (File.Exists(path))
            {
                throw new Core.Abstractions.RotorException(
                    $"the data folder {dataDirectory} stayed locked by another Rotor process for {timeout.TotalSeconds:0} s ({path}; {e.Message})",
                    isTransient: true) { Reason = RotorReasons.FolderLocked };
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
