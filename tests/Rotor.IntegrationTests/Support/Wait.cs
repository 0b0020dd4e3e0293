namespace Rotor.IntegrationTests.Support;

/// <summary>Polls a condition of an outside process until it holds or a deadline passes.</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("timed out waiting: " + describe());
            }
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The checkout: above the test binary normally, else (a build with ROTOR_ARTIFACTS elsewhere)
    /// above this source file, as the compiler recorded it.
    /// </summary>
    public static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? "" })
        {
            var dir = new DirectoryInfo(start);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Rotor.slnx")))
            {
                dir = dir.Parent;
            }
            if (dir is not null) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (Rotor.slnx) above " + AppContext.BaseDirectory);
    }
}
