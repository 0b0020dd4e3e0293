using System.Text.Json;
using Rotor.Api.Auth;

namespace Rotor.Tests.Api;

public sealed class ApiOpenApiTests
{
    /// <summary>docs/openapi.json is the document the server builds from its routes; a route change without it fails here.</summary>
    [Fact]
    public async Task The_checked_in_openapi_document_is_the_one_the_server_serves()
    {
        await using var api = await ApiServer.StartAsync();
        using var viewer = api.Client(ApiRole.Viewer);
        var served = await viewer.GetStringAsync("api/v1/openapi.json");
        var file = Path.Combine(RepositoryRoot(), "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable("ROTOR_UPDATE_OPENAPI") == "1") await File.WriteAllTextAsync(file, served);
        Assert.True(File.Exists(file), $"{file} is missing; run this test with ROTOR_UPDATE_OPENAPI=1 to write it");
        Assert.Equal(await File.ReadAllTextAsync(file), served);

        var doc = JsonDocument.Parse(served).RootElement;
        var paths = doc.GetProperty("paths");
        foreach (var route in api.Server.Routes.Where(r => r.Pattern.StartsWith("/api/v1", StringComparison.Ordinal)))
        {
            var operation = paths.GetProperty(route.Pattern).GetProperty(route.Method.ToLowerInvariant());
            Assert.Equal(route.Role!.Value.ToString().ToLowerInvariant(), operation.GetProperty("x-rotor-role").GetString());
        }
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Rotor.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Rotor.slnx not found above " + AppContext.BaseDirectory);
    }
}
