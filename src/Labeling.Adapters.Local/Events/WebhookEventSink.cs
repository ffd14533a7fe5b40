using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Labeling.Application.Ports;
using StandardWebhooks;

namespace Labeling.Adapters.Local.Events;

/// <summary>
/// POSTs each event to a webhook as <c>application/cloudevents+json</c>, signed per the Standard Webhooks
/// spec: <c>webhook-id</c> (the event id — deduplicate on it), <c>webhook-timestamp</c> (Unix seconds)
/// and <c>webhook-signature</c> (<c>v1,</c> + base64 HMAC-SHA256 of <c>id.timestamp.body</c>).
/// Any status other than 2xx is a failure and is retried by the dispatcher. The status decides: the answer's body is
/// never read, so a receiver that answers at length (or never ends its body) neither fills memory nor turns an event
/// it took into a timeout.
/// </summary>
public sealed class WebhookEventSink : IEventSink
{
    private readonly HttpClient _http;
    private readonly WebhookOptions _options;
    private readonly StandardWebhook _signer;
    private readonly TimeProvider _time;

    /// <summary>Creates the sink.</summary>
    /// <param name="http">The HTTP client.</param>
    /// <param name="options">The webhook's URL and secret.</param>
    /// <param name="time">The clock for the signature timestamp.</param>
    public WebhookEventSink(HttpClient http, WebhookOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
        _time = time;
        _signer = options.Secret.StartsWith("whsec_", StringComparison.Ordinal)
            ? new StandardWebhook(options.Secret)
            : new StandardWebhook(Encoding.UTF8.GetBytes(options.Secret));
    }

    /// <inheritdoc />
    public string Name => "webhook:" + _options.Name;

    /// <inheritdoc />
    public async Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outboxEvent);
        var now = _time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url)
        {
            Content = new StringContent(outboxEvent.Payload, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json") { CharSet = "utf-8" };
        request.Headers.Add("webhook-id", outboxEvent.Id);
        request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", _signer.Sign(outboxEvent.Id, now, outboxEvent.Payload));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        HttpResponseMessage sent;
        try
        {
            // Headers only: the default read the whole body into memory (up to 2 GB) before the status counted, within the Timeout.
            sent = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Recorded as the retry's reason and a dead letter's last error, which said "The operation was canceled."
            throw new TimeoutException($"Webhook '{_options.Name}' did not answer within its Timeout ({_options.Timeout:c}).");
        }

        using var response = sent;
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(string.Create(CultureInfo.InvariantCulture, $"Webhook '{_options.Name}' answered {(int)response.StatusCode} {response.ReasonPhrase}."), null, response.StatusCode);
        }
    }
}
