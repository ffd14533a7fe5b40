using Microsoft.Azure.Functions.Worker;

namespace Labeling.Functions.Events;

/// <summary>
/// <c>DispatchLabelEvents</c>: every minute, publishes what is due in the outbox. Crowd decisions are
/// published at once by their workflow's last activity; this timer sends the rest — items the machine
/// labelers auto-accepted in <c>WeakLabel</c>, reviewer resolutions — and retries failed deliveries
/// after their back-off. Idempotent: the topic drops a re-sent message id.
/// </summary>
public sealed class DispatchLabelEventsFunction
{
    /// <summary>The schedule (NCRONTAB with seconds): at second 0 of every minute.</summary>
    public const string Schedule = "0 * * * * *";

    private readonly OutboxPublisher _publisher;

    /// <summary>Creates the function.</summary>
    /// <param name="publisher">Publishes the outbox.</param>
    public DispatchLabelEventsFunction(OutboxPublisher publisher) => _publisher = publisher;

    /// <summary>Publishes due events.</summary>
    /// <param name="timer">The timer.</param>
    /// <param name="cancellationToken">Cancels the deliveries.</param>
    /// <returns>A task.</returns>
    [Function("DispatchLabelEvents")]
    public async Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        await _publisher.PublishAsync(cancellationToken).ConfigureAwait(false);
}
