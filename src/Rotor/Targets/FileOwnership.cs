using System.Globalization;
using System.Runtime.InteropServices;
using Rotor.Core.Abstractions;

namespace Rotor.Targets;

/// <summary>chown and kill through libc, with user and group names resolved by <c>id</c>/<c>getent</c>.</summary>
internal static partial class FileOwnership
{
    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, int owner, int group);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static void Apply(string path, int? uid, int? gid)
    {
        if (uid is null && gid is null) return;
        if (Chown(path, uid ?? -1, gid ?? -1) != 0)
        {
            throw new RotorException($"cannot change owner of '{path}' (errno {Marshal.GetLastPInvokeError()}); Rotor needs to run as root or as the owner", isTransient: false)
            { Reason = RotorReasons.OwnershipFailed };
        }
    }

    public static void Signal(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new RotorException($"cannot send signal {signal} to pid {pid} (errno {Marshal.GetLastPInvokeError()})", isTransient: true) { Reason = RotorReasons.ReloadFailed };
        }
    }

    public static async Task<int?> ResolveAsync(string? name, bool group, CancellationToken cancellationToken)
    {
        if (name is null) return null;
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var numeric)) return numeric;
        var psi = new System.Diagnostics.ProcessStartInfo("getent", [group ? "group" : "passwd", name])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        ChildEnvironment.Apply(psi, null);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var fields = output.Split(':');
        if (process.ExitCode != 0 || fields.Length < 3 || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            throw new RotorException($"{(group ? "group" : "user")} '{name}' does not exist on this machine", isTransient: false) { Reason = RotorReasons.OwnershipFailed };
        }
        return id;
    }
}
