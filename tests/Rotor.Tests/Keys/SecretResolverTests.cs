using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Keys;
using Rotor.Tests.Support;

namespace Rotor.Tests.Keys;

public class SecretResolverTests
{
    [Fact]
    public async Task A_secret_file_is_read_without_its_final_line_break()
    {
        using var dir = new TempDir();
        dir.Write("key", "s3cret\n");
        Assert.Equal("s3cret", await SecretResolver.ResolveAsync(new SecretRef(null, "key"), dir.Path, default));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("\r\n\n")]
    public async Task An_emptied_secret_file_is_refused_naming_the_reference_not_used_as_a_key(string content)
    {
        using var dir = new TempDir();
        dir.Write("hook.key", content);
        var e = await Assert.ThrowsAsync<RotorException>(() => SecretResolver.ResolveAsync(new SecretRef(null, "hook.key"), dir.Path, default));
        Assert.Equal("secret file:hook.key: the file is empty", e.Message);
    }

    [Fact]
    public async Task A_removed_secret_file_is_refused_naming_the_reference()
    {
        using var dir = new TempDir();
        var e = await Assert.ThrowsAsync<RotorException>(() => SecretResolver.ResolveAsync(new SecretRef(null, "gone.key"), dir.Path, default));
        Assert.StartsWith("secret file:gone.key:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_environment_variable_is_refused()
    {
        var name = "ROTOR_TEST_EMPTY_SECRET_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "");
        try
        {
            // An empty value unsets the variable on some platforms: either way it is refused, never used.
            var e = await Assert.ThrowsAsync<RotorException>(() => SecretResolver.ResolveAsync(new SecretRef(name, null), ".", default));
            Assert.Contains($"environment variable '{name}' is", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }
}
