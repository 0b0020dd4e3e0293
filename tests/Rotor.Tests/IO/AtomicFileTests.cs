using Rotor.IO;
using Rotor.Tests.Support;

namespace Rotor.Tests.IO;

public class AtomicFileTests
{
    private const UnixFileMode Public = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    public async Task A_batch_replaces_every_file_with_its_own_mode_and_leaves_no_temp_files()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("cert.pem"), "old cert");
        await AtomicFile.WriteAllAsync(
        [
            new(dir.Combine("cert.pem"), "new cert"u8.ToArray(), Public),
            new(dir.Combine("key.pem"), "new key"u8.ToArray(), AtomicFile.PrivateMode),
            new(dir.Combine("sub", "chain.pem"), "chain"u8.ToArray(), Public),
        ], default);

        Assert.Equal("new cert", File.ReadAllText(dir.Combine("cert.pem")));
        Assert.Equal("new key", File.ReadAllText(dir.Combine("key.pem")));
        Assert.Equal("chain", File.ReadAllText(dir.Combine("sub", "chain.pem")));
        Assert.Equal(Public, File.GetUnixFileMode(dir.Combine("cert.pem")));
        Assert.Equal(AtomicFile.PrivateMode, File.GetUnixFileMode(dir.Combine("key.pem")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_batch_that_cannot_write_one_file_changes_none_and_removes_its_temp_files()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("cert.pem"), "old cert");
        File.WriteAllText(dir.Combine("blocker"), "a file where a folder should be");

        await Assert.ThrowsAnyAsync<IOException>(() => AtomicFile.WriteAllAsync(
        [
            new(dir.Combine("cert.pem"), "new cert"u8.ToArray(), Public),
            new(dir.Combine("blocker", "key.pem"), "new key"u8.ToArray(), AtomicFile.PrivateMode),
        ], default));

        Assert.Equal("old cert", File.ReadAllText(dir.Combine("cert.pem")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void ReplaceAll_renames_in_order_and_keeps_the_sources_nowhere()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("a.staged"), "A");
        File.WriteAllText(dir.Combine("b.staged"), "B");
        File.WriteAllText(dir.Combine("a"), "old A");

        AtomicFile.ReplaceAll([(dir.Combine("a.staged"), dir.Combine("a")), (dir.Combine("b.staged"), dir.Combine("b"))]);

        Assert.Equal("A", File.ReadAllText(dir.Combine("a")));
        Assert.Equal("B", File.ReadAllText(dir.Combine("b")));
        Assert.False(File.Exists(dir.Combine("a.staged")));
        Assert.False(File.Exists(dir.Combine("b.staged")));
    }

    [Fact]
    public void The_temp_file_pattern_matches_what_atomic_file_writes_and_nothing_near_it()
    {
        using var dir = new TempDir();
        var (temp, stream) = AtomicFile.WriteTemp(dir.Combine("key.pem"), "k"u8, AtomicFile.PrivateMode);
        stream.Dispose();
        Assert.True(AtomicFile.IsTempFileName(Path.GetFileName(temp)), temp);
        Assert.True(AtomicFile.IsTempFileName("cert.pem.rotor-restore.tmp"));
        foreach (var name in new[]
        {
            "key.pem", ".key.pem", "notes.tmp", ".key.pem.tmp", "key.pem.0123456789abcdef0123456789abcdef.tmp",
            ".key.pem.0123456789abcdef0123456789abcde.tmp", ".key.pem.0123456789ABCDEF0123456789ABCDEF.tmp",
            ".key.pem.0123456789abcdef0123456789abcdef.tmp.bak", "cert.pem.rotor-restore.tmp.bak", ".rotor-restore.tmp",
        })
        {
            Assert.False(AtomicFile.IsTempFileName(name), name);
        }
    }
}
