using System.Text;

namespace Rotor.IO;

/// <summary>
/// Reads a file a user names (a manifest's secret file, a pid file, a PEM input) up to a cap:
/// reading stops one byte past it, so a device that never ends (/dev/zero) or a giant file costs
/// neither memory nor time.
/// </summary>
public static class BoundedFile
{
    /// <summary>The text of <paramref name="path"/>, or an error when it cannot be read or holds more than <paramref name="maxBytes"/>.</summary>
    public static async Task<(string? Text, string? Error)> ReadTextAsync(string path, int maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            // Sized by the file's length where it has one; devices and pipes grow it by doubling, never past the cap + 1.
            var cap = maxBytes + 1;
            var buffer = new byte[(int)Math.Min(cap, stream.CanSeek && stream.Length > 0 ? stream.Length + 1 : 16 * 1024)];
            var filled = 0;
            while (filled < cap)
            {
                if (filled == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(cap, 2L * buffer.Length));
                var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (read == 0) break;
                filled += read;
            }
            if (filled > maxBytes)
            {
                return (null, $"{path} is larger than {Size(maxBytes)}; Rotor reads at most {Size(maxBytes)} from one input");
            }
            return (Encoding.UTF8.GetString(buffer, 0, filled), null);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, $"cannot read {path}: no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return (null, Directory.Exists(path) ? $"cannot read {path}: it is a folder, not a file" : $"cannot read {path}: {e.Message}");
        }
    }

    private static string Size(int bytes) => bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} bytes";
}
