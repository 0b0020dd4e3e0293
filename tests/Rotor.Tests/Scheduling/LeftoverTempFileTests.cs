using Rotor.IO;
using Rotor.Tests.Support;

namespace Rotor.Tests.Scheduling;

/// <summary>
/// A deploy killed between writing a temp file and renaming it leaves the temp file in the
/// target's <c>.rotor/</c> folders; the next pass on the certificate removes it, and nothing else.
/// </summary>
public class LeftoverTempFileTests
{
    /// <summary>A temp file exactly as a write killed before its rename leaves it (AtomicFile's own naming).</summary>
    private static string KilledWrite(string finalPath, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        var (temp, stream) = AtomicFile.WriteTemp(finalPath, System.Text.Encoding.UTF8.GetBytes(content), AtomicFile.PrivateMode);
        stream.Dispose();
        return temp;
    }

    [Fact]
    public async Task The_next_pass_removes_rotors_temp_files_from_the_targets_state_folders_and_nothing_else()
    {
        using var rotor = new TestRotor();
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate())))).Code);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        var folder = rotor.Dir.Combine("out", "sip-edge");
        var state = Path.Combine(folder, ".rotor");
        var live = Directory.GetFiles(folder).ToDictionary(f => f, File.ReadAllText);

        string[] leftovers =
        [
            KilledWrite(Path.Combine(state, "staged", "key.pem"), "a key"),
            KilledWrite(Path.Combine(state, "staged", "fullchain.pem"), "a chain"),
            KilledWrite(Path.Combine(state, "previous", "cert.pem"), "a cert"),
            KilledWrite(Path.Combine(state, "VERSION"), "1"),
            Path.Combine(state, "staged", "cert.pem.rotor-restore.tmp"),
        ];
        File.WriteAllText(leftovers[^1], "a restore copy");
        var outside = rotor.Dir.Write("elsewhere.txt", "not Rotor's");
        string[] kept =
        [
            KilledWrite(Path.Combine(folder, "key.pem"), "beside the live files, not in .rotor/"),
            rotor.Dir.Write(Path.Combine("out", "sip-edge", ".rotor", "staged", "notes.tmp"), "a user's file"),
            rotor.Dir.Write(Path.Combine("out", "sip-edge", ".rotor", "staged", ".key.pem.0123456789abcdef0123456789abcde.tmp"), "31 hex digits"),
            rotor.Dir.Write(Path.Combine("out", "sip-edge", ".rotor", "staged", ".key.pem.0123456789ABCDEF0123456789ABCDEF.tmp"), "upper case"),
            rotor.Dir.Write(Path.Combine("out", "sip-edge", ".rotor", "staged", "key.pem.rotor-restore.tmp.bak"), "another suffix"),
        ];
        var link = Path.Combine(state, "staged", ".chain.pem.0123456789abcdef0123456789abcdef.tmp");
        File.CreateSymbolicLink(link, outside);
        var folderNamedLikeATemp = Directory.CreateDirectory(Path.Combine(state, "previous", ".key.pem.fedcba9876543210fedcba9876543210.tmp")).FullName;

        // As after a killed deploy: the certificate is still due, and the next pass works on it.
        await using (var host = await rotor.OpenHostAsync())
        {
            var status = (await host.Store.GetStatusAsync("sip-edge", default))!;
            await host.Store.UnderLeaseAsync("sip-edge", () => host.Store.SaveStatusAsync(status with { NextDueAt = rotor.Time.GetUtcNow() }, default));
        }
        var (code, _, err) = await rotor.RunAsync("reconcile");

        Assert.True(code == 0, err);
        Assert.All(leftovers, f => Assert.False(File.Exists(f), f + " is still there"));
        Assert.All(kept, f => Assert.True(File.Exists(f), f + " was deleted"));
        Assert.NotNull(new FileInfo(link).LinkTarget); // the link stays, and so does what it points to
        Assert.Equal("not Rotor's", File.ReadAllText(outside));
        Assert.True(Directory.Exists(folderNamedLikeATemp));
        Assert.All(live, f => Assert.Equal(f.Value, File.ReadAllText(f.Key)));
    }

    [Fact]
    public async Task A_state_folder_that_is_a_symbolic_link_is_not_entered()
    {
        using var rotor = new TestRotor();
        var elsewhere = Directory.CreateDirectory(rotor.Dir.Combine("elsewhere", "staged")).Parent!.FullName;
        var bait = rotor.Dir.Write(Path.Combine("elsewhere", "staged", ".key.pem.0123456789abcdef0123456789abcdef.tmp"), "not in Rotor's folder");
        Directory.CreateDirectory(rotor.Dir.Combine("out", "sip-edge"));
        Directory.CreateSymbolicLink(rotor.Dir.Combine("out", "sip-edge", ".rotor"), elsewhere);
        var target = new Rotor.Targets.FileTarget("out", new Rotor.Core.Resources.FileTargetSpec(), rotor.Dir.Path);

        var removed = target.RemoveLeftovers(new Rotor.Core.Resources.DeployBinding("out", "out/sip-edge", []), rotor.Dir.Path);

        Assert.Empty(removed);
        Assert.True(File.Exists(bait));
    }
}
