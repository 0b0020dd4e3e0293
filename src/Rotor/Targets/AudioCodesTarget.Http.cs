using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Rotor.Core.Abstractions;
using Rotor.Keys;

namespace Rotor.Targets;

/// <summary>
/// The REST calls: every request carries HTTP Basic credentials from credentialsRef; a 409
/// (the redundant board is synchronizing) is tried again with backoff; any other failure becomes
/// a <see cref="RotorException"/> whose message names the answer ("AudioCodes answered 400: ...")
/// and never the credentials.
/// </summary>
public sealed partial class AudioCodesTarget
{
    /// <summary>Most of an answer Rotor reads: certificates and stores are a few KiB, error texts less.</summary>
    internal const int MaxAnswerBytes = 1024 * 1024;

    /// <summary>First wait after a 409; doubled per attempt up to <see cref="MaxConflictDelay"/>.</summary>
    internal static TimeSpan ConflictDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan MaxConflictDelay = TimeSpan.FromSeconds(8);

    /// <summary>A 2xx answer: its status and body.</summary>
    private sealed record Answer(int Status, byte[] Body)
    {
        public string Text => Encoding.UTF8.GetString(Body);
    }

    private Task<Answer> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, () => null, cancellationToken);

    /// <summary>PUT of one file as the multipart field <c>file</c>, as every files/tls upload takes it.</summary>
    private Task<Answer> PutFileAsync(string path, string fileName, string content, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, path, () =>
        {
            var file = new ByteArrayContent(Encoding.ASCII.GetBytes(content));
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return new MultipartFormDataContent { { file, "file", fileName } };
        }, cancellationToken);

    private Task<Answer> PostJsonAsync(string path, byte[] json, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, () =>
        {
            var body = new ByteArrayContent(json);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return body;
        }, cancellationToken);

    /// <summary>saveConfiguration: the device keeps what was uploaded across a reboot (POST with Content-Length 0).</summary>
    private Task SaveConfigurationAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "/api/v1/actions/saveConfiguration", () => new ByteArrayContent([]), cancellationToken);

    private async Task<Answer> SendAsync(HttpMethod method, string path, Func<HttpContent?> content, CancellationToken cancellationToken)
    {
        var (authorization, password) = await CredentialsAsync(cancellationToken);
        var attempts = spec.ConflictAttempts;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(spec.Url + path)) { Content = content() };
            request.Headers.Authorization = authorization;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(spec.Timeout);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            }
            catch (HttpRequestException e)
            {
                throw Failure(RotorReasons.AudioCodesUnavailable, transient: true, $"{method} {path}: no answer from {spec.Url} ({e.HttpRequestError})");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Failure(RotorReasons.AudioCodesUnavailable, transient: true, $"{method} {path}: no answer from {spec.Url} within {spec.Timeout.TotalSeconds:0} s");
            }
            using (response)
            {
                var body = await IO.HttpAnswer.ReadBoundedAsync(response, MaxAnswerBytes, timeout.Token);
                var status = (int)response.StatusCode;
                if (status is >= 200 and < 300) return new Answer(status, body);
                var answer = Describe(body, password);
                if (response.StatusCode == HttpStatusCode.Conflict && attempt < attempts)
                {
                    var delay = TimeSpan.FromTicks(Math.Min(MaxConflictDelay.Ticks, ConflictDelay.Ticks << (attempt - 1)));
                    AudioCodesLog.ConflictRetry(logger, name, method.Method, path, attempt, attempts, answer, (long)delay.TotalMilliseconds);
                    await Task.Delay(delay, time, cancellationToken);
                    continue;
                }
                throw AnswerFailure(method, path, status, answer, attempt);
            }
        }
    }

    private RotorException AnswerFailure(HttpMethod method, string path, int status, string answer, int attempts)
    {
        var said = $"{method} {path}: AudioCodes answered {status}" + (answer.Length > 0 ? $": {answer}" : "");
        return status switch
        {
            401 => Failure(RotorReasons.AudioCodesAuthFailed, transient: false, $"{said} (the credentials in credentialsRef {spec.CredentialsRef} were refused)"),
            403 => Failure(RotorReasons.AudioCodesAuthFailed, transient: false, $"{said} (the user of credentialsRef {spec.CredentialsRef} may not use this REST endpoint)"),
            404 => Failure(RotorReasons.TargetMisconfigured, transient: false, $"{said} (is TLS context {spec.TlsContext} there, and is {spec.Url} the device's REST API?)"),
            409 => Failure(RotorReasons.AudioCodesBusy, transient: true, $"{said} ({attempts} attempts; the device is busy, e.g. its redundant board is synchronizing; tried again later)"),
            >= 500 => Failure(RotorReasons.AudioCodesUnavailable, transient: true, said),
            _ => Failure(RotorReasons.AudioCodesRejected, transient: false, said),
        };
    }

    private RotorException Failure(string reason, bool transient, string message) =>
        new($"audiocodes target '{name}': {message}", transient) { Reason = reason };

    /// <summary>
    /// The Basic header from credentialsRef's <c>user:password</c>. The password is returned only
    /// so an answer that echoes it can be censored; it is never put in a message.
    /// </summary>
    private async Task<(AuthenticationHeaderValue Header, string Password)> CredentialsAsync(CancellationToken cancellationToken)
    {
        var value = await SecretResolver.ResolveAsync(spec.CredentialsRef, manifestDirectory, cancellationToken);
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == value.Length - 1)
        {
            throw Failure(RotorReasons.TargetMisconfigured, transient: false, $"credentialsRef {spec.CredentialsRef} must hold user:password");
        }
        return (new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(value))), value[(colon + 1)..]);
    }


    /// <summary>
    /// What an answer said, for a message: the <c>description</c> of a JSON body (the field every
    /// documented answer carries), else the text; printable, at most 200 characters, and with
    /// the password censored should a device echo it.
    /// </summary>
    internal static string Describe(byte[] body, string password)
    {
        string text;
        try
        {
            using var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
            text = json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String
                ? d.GetString() ?? ""
                : Encoding.UTF8.GetString(body);
        }
        catch (JsonException)
        {
            text = Encoding.UTF8.GetString(body);
        }
        if (password.Length > 0) text = text.Replace(password, "***", StringComparison.Ordinal);
        var printable = new string([.. text.Select(c => char.IsControl(c) ? ' ' : c)]).Trim();
        return printable.Length <= 200 ? printable : printable[..200] + "…";
    }
}
