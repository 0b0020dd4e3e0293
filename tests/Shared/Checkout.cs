using System.Runtime.CompilerServices;

namespace Rotor.Testing;

/// <summary>The checkout a test build came from (compiled into each test project).</summary>
internal static class Checkout
{
    /// <summary>
    /// The folder holding Rotor.slnx: above the test binary normally, else (a build with
    /// ROTOR_ARTIFACTS elsewhere) above this source file, as the compiler recorded it.
    /// </summary>
    public static string Root([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? "" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Rotor.slnx"))) return dir.FullName;
            }
        }
        throw new InvalidOperationException("cannot find the repository root (Rotor.slnx) above " + AppContext.BaseDirectory);
    }
}
