using System.Net;

namespace Labeling.Bench.Live;

/// <summary>
/// Sends a request again after the server's <c>Retry-After</c> when it answers 429 (the per-caller rate limit,
/// <c>Labeling:RequestsPerSecondPerCaller</c>): the bench plays one reviewer reading thousands of items, which a
/// well-behaved client slows down for instead of failing the run. At most <see cref="MaxAttempts"/> sends.
/// </summary>
internal sealed class TooManyRequestsRetry(TimeProvider time) : DelegatingHandler
{
    /// <summary>Sends per request, the first included.</summary>
    public const int MaxAttempts = 20;

    // When the server gives no Retry-After; its token bucket refills within a second.
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt == MaxAttempts) return response;
            var wait = Wait(response.Headers.RetryAfter, time.GetUtcNow());
            response.Dispose();
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How long <paramref name="retryAfter"/> asks to wait at <paramref name="now"/>: its delta or date, at least zero, at most a minute.</summary>
    internal static TimeSpan Wait(System.Net.Http.Headers.RetryConditionHeaderValue? retryAfter, DateTimeOffset now)
    {
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : DefaultWait);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : wait;
    }
}
