using System.Net;

namespace Labeling.Bench.Live;

/// <summary>
/// Sends a request again after the server's <c>Retry-After</c> when it answers 429 (the per-caller rate limit,
/// <c>Labeling:RequestsPerSecondPerCaller</c>): the bench plays one reviewer reading thousands of items, which a
/// well-behaved client slows down for instead of failing the run. At most <see cref="MaxAttempts"/> sends.
/// </summary>
/// <remarks>
/// Each send has its own <paramref name="attemptTimeout"/>; the waits between sends do not count against it. The
/// <see cref="HttpClient"/> around this handler must not have a timeout of its own (<see cref="Timeout.InfiniteTimeSpan"/>):
/// <see cref="HttpClient.Timeout"/> covers the whole call, retries and waits included, so a run told to wait would be
/// cut off by it although the server answered every send.
/// </remarks>
/// <param name="time">The clock the waits run on.</param>
/// <param name="attemptTimeout">How long one send may take before the call fails with <see cref="TimeoutException"/>.</param>
internal sealed class TooManyRequestsRetry(TimeProvider time, TimeSpan attemptTimeout) : DelegatingHandler
{
    /// <summary>Sends per request, the first included.</summary>
    public const int MaxAttempts = 20;

    /// <summary>The timeout of one send when none is given: two minutes, ample for a lease, a vote or an export page.</summary>
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Creates the handler with <see cref="DefaultAttemptTimeout"/>.</summary>
    /// <param name="time">The clock the waits run on.</param>
    public TooManyRequestsRetry(TimeProvider time)
        : this(time, DefaultAttemptTimeout)
    {
    }

    // When the server gives no Retry-After; its token bucket refills within a second.
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await SendOnceAsync(request, attempt, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt == MaxAttempts) return response;
            var wait = Wait(response.Headers.RetryAfter, time.GetUtcNow());
            response.Dispose();
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, int attempt, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(attemptTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await base.SendAsync(request, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(FormattableString.Invariant($"{request.Method} {request.RequestUri} had no answer within {attemptTimeout.TotalSeconds:0.###} s (send {attempt})."), ex);
        }
    }

    /// <summary>How long <paramref name="retryAfter"/> asks to wait at <paramref name="now"/>: its delta or date, at least zero, at most a minute.</summary>
    internal static TimeSpan Wait(System.Net.Http.Headers.RetryConditionHeaderValue? retryAfter, DateTimeOffset now)
    {
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : DefaultWait);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : wait;
    }
}
