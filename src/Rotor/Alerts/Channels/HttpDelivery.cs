using System.Net;

namespace Rotor.Alerts.Channels;

/// <summary>One HTTP POST of an alert: a 2xx delivers; 408, 429 and 5xx and network failures are retried; other statuses are not.</summary>
internal static class HttpDelivery
{
    public static async Task PostAsync(HttpClient http, string notifier, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new AlertDeliveryException($"notifier {notifier}: {request.RequestUri?.GetLeftPart(UriPartial.Authority)} cannot be reached ({e.HttpRequestError})", isTransient: true, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AlertDeliveryException($"notifier {notifier}: {request.RequestUri?.GetLeftPart(UriPartial.Authority)} did not answer in time", isTransient: true, e);
        }
        using (response)
        {
            if (response.IsSuccessStatusCode) return;
            var status = (int)response.StatusCode;
            var transient = status is 408 or 429 || status >= 500;
            throw new AlertDeliveryException($"notifier {notifier}: {request.RequestUri?.GetLeftPart(UriPartial.Path)} answered HTTP {status} {ReasonOf(response.StatusCode)}", transient);
        }
    }

    private static string ReasonOf(HttpStatusCode code) => Enum.IsDefined(code) ? code.ToString() : "";
}
