using System.Security.Cryptography;
using System.Text;

namespace Rotor.Commands;

/// <summary>
/// This Rotor instance as a lease holder: its name in the <c>leases</c> table, and a proof of
/// life the other processes on the same data folder can check. The proof is an exclusive lock
/// (flock) on <c>owners/NAME.alive</c> held while the instance runs; the kernel drops it when the
/// process dies, however it dies. A lease whose holder is provably dead is taken over at once,
/// instead of waiting for it to expire (a restart after kill -9 resumes without a pause).
/// Holders on another machine (several instances on one database) are never judged this way:
/// their leases end by expiry alone.
/// </summary>
public sealed class LeaseOwner : IDisposable
{
    private const string Directory = "owners";
    private readonly string? _ownersDirectory;
    private readonly FileStream? _alive;

    private LeaseOwner(string id, string? ownersDirectory, FileStream? alive)
    {
        Id = id;
        _ownersDirectory = ownersDirectory;
        _alive = alive;
    }

    public string Id { get; }

    private static string MachinePrefix => Environment.MachineName + "/";

    /// <summary>A new holder name for this instance, with its proof of life in <paramref name="dataDirectory"/>.</summary>
    public static LeaseOwner Create(string dataDirectory)
    {
        var id = $"{MachinePrefix}{Environment.ProcessId}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var owners = Path.Combine(dataDirectory, Directory);
        System.IO.Directory.CreateDirectory(owners);
        var alive = new FileStream(PathOf(owners, id), new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        return new LeaseOwner(id, owners, alive);
    }

    /// <summary>A holder with no proof of life on disk (a reconciler built on its own, in tests): its leases end by expiry.</summary>
    public static LeaseOwner Detached() =>
        new($"{MachinePrefix}{Environment.ProcessId}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}", null, null);

    /// <summary>
    /// True only when <paramref name="owner"/> ran on this machine against this folder and is
    /// gone: its proof-of-life file is missing or no longer locked.
    /// </summary>
    public bool IsKnownDead(string owner)
    {
        if (_ownersDirectory is null || owner == Id || !owner.StartsWith(MachinePrefix, StringComparison.Ordinal)) return false;
        var path = PathOf(_ownersDirectory, owner);
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            File.Delete(path); // dead: its lock was free. Removed while held, so no one reads a half state.
            return true;
        }
        catch (FileNotFoundException)
        {
            return true;
        }
        catch (IOException)
        {
            return false; // locked: alive
        }
    }

    /// <summary>Removes proof-of-life files of processes that are gone (left by kill -9 or a crash).</summary>
    public int RemoveDeadOwners()
    {
        if (_ownersDirectory is null) return 0;
        var removed = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(_ownersDirectory, "*.alive"))
        {
            if (_alive is not null && file == _alive.Name) continue;
            try
            {
                using var probe = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                File.Delete(file);
                removed++;
            }
            catch (IOException)
            {
                // alive, or already gone
            }
        }
        return removed;
    }

    private static string PathOf(string owners, string id)
    {
        var name = new StringBuilder(id.Length);
        foreach (var c in id) name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        return Path.Combine(owners, name + ".alive");
    }

    public void Dispose()
    {
        if (_alive is null) return;
        var path = _alive.Name;
        // Deleted while still locked, then closed: no other process sees an unlocked file of a live owner.
        File.Delete(path);
        _alive.Dispose();
    }
}
