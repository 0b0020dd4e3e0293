namespace Rotor.IO;

/// <summary>Reading what a device or platform API answered, never more than Rotor needs.</summary>
internal static class HttpAnswer
{
    /// <summary>
    /// The body's first <paramref name="limit"/> bytes at most: a device that answers with a huge or
    /// endless body costs Rotor no more memory than that; the rest is not Rotor's to read.
    /// </summary>
    public static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) break;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
