using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Rotor.Api;

namespace Rotor.Cli;

/// <summary>
/// The CLI's client of a remote Rotor's operator API (<c>--server URL</c>). The token comes from
/// <c>--token-file</c> or ROTOR_TOKEN, never from the command line (where other users' <c>ps</c> sees it).
/// An https server's certificate must chain to the system's roots or to <c>--server-ca</c> (e.g. Rotor's local root).
/// </summary>
internal sealed class RemoteApi : IDisposable
{
    public const string TokenEnvironmentVariable = "ROTOR_TOKEN";

    private readonly HttpClient _http;

    private RemoteApi(HttpClient http) => _http = http;

    /// <summary>A client, or the message saying what is missing.</summary>
    public static async Task<(RemoteApi? Api, string? Error)> CreateAsync(string server, string? tokenFile, string? serverCa, Func<string, string?> environment,
        CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(server.EndsWith('/') ? server : server + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            return (null, $"--server: '{server}' is not an http:// or https:// URL");
        }
        string? token;
        if (tokenFile is not null)
        {
            var (text, error) = await IO.BoundedFile.ReadTextAsync(tokenFile, 4096, cancellationToken);
            if (error is not null) return (null, "--token-file: " + error);
            token = text!.Trim();
        }
        else
        {
            token = environment(TokenEnvironmentVariable)?.Trim();
        }
        if (string.IsNullOrEmpty(token)) return (null, $"--server needs a token: --token-file FILE, or the environment variable {TokenEnvironmentVariable}");
        var handler = new SocketsHttpHandler();
        if (serverCa is not null)
        {
            X509Certificate2Collection roots;
            try
            {
                roots = [];
                roots.ImportFromPemFile(serverCa);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                return (null, $"--server-ca: cannot read {serverCa} ({e.Message})");
            }
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null) return false;
                if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            };
        }
        var http = new HttpClient(handler) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (new RemoteApi(http), null);
    }

    /// <summary>GET a JSON document; on failure the problem's detail and the exit code it means.</summary>
    public Task<(T? Value, int Code, string? Error)> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, path, type, ct);

    public async Task<(T? Value, int Code, string? Error)> SendAsync<T>(HttpMethod method, string path, JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            return (default, ExitCodes.Failed, $"{_http.BaseAddress}: {e.Message}");
        }
        using (response)
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            if (response.IsSuccessStatusCode) return (await JsonSerializer.DeserializeAsync(body, type, ct), ExitCodes.Ok, null);
            string detail;
            try
            {
                detail = (await JsonSerializer.DeserializeAsync(body, ApiJsonContext.Default.ApiProblemJson, ct))?.Detail ?? response.ReasonPhrase ?? "";
            }
            catch (JsonException)
            {
                detail = response.ReasonPhrase ?? "";
            }
            var code = response.StatusCode switch
            {
                HttpStatusCode.NotFound => ExitCodes.NotFound,
                HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => ExitCodes.InvalidInput,
                _ => ExitCodes.Failed,
            };
            return (default, code, $"{(int)response.StatusCode} {detail}");
        }
    }

    public void Dispose() => _http.Dispose();
}
