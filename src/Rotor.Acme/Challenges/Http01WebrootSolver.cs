namespace Rotor.Acme.Challenges;

/// <summary>HTTP-01 by files under a web server's root: <c>.well-known/acme-challenge/TOKEN</c>.</summary>
public sealed class Http01WebrootSolver(string webroot) : IChallengeSolver
{
    public string ChallengeType => "http-01";

    private string PathOf(ChallengeRequest request) =>
        Path.Combine(webroot, ".well-known", "acme-challenge", request.Token);

    // The token becomes a file name: only base64url (RFC 8555 8.3) keeps it inside the challenge folder.
    private static bool IsSafe(string token) => Transport.AcmeLimits.IsBase64Url(token, Transport.AcmeLimits.MaxTokenLength);

    public async Task PresentAsync(ChallengeRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        if (!IsSafe(request.Token))
        {
            throw new Transport.AcmeException("the challenge token has characters outside base64url; refusing to use it as a file name");
        }
        var path = PathOf(request);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, request.KeyAuthorization, cancellationToken);
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Move(temp, path, overwrite: true);
        progress?.Report($"http-01 file written for {request.Identifier}");
    }

    public Task CleanupAsync(ChallengeRequest request, CancellationToken cancellationToken)
    {
        // Cleanup follows even a refused present: a token that present refused names no file of ours.
        if (!IsSafe(request.Token)) return Task.CompletedTask;
        File.Delete(PathOf(request));
        return Task.CompletedTask;
    }
}
