using Labeling.Application.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Events;

/// <summary>
/// Delivers outbox events to every configured sink: at-least-once, retried with exponential back-off,
/// dead-lettered after <see cref="EventDeliveryOptions.MaxAttempts"/>. Each sink is tracked separately,
/// so a failing webhook does not hold back the JSONL file.
/// </summary>
public sealed partial class EventDispatcher
{
    private readonly IEventOutbox _outbox;
    private readonly IReadOnlyList<IEventSink> _sinks;
    private readonly TimeProvider _time;
    private readonly EventDeliveryOptions _options;
    private readonly ILogger<EventDispatcher> _logger;

    /// <summary>Creates the dispatcher.</summary>
    public EventDispatcher(
        IEventOutbox outbox,
        IEnumerable<IEventSink> sinks,
        TimeProvider time,
        IOptions<EventDeliveryOptions> options,
        ILogger<EventDispatcher> logger)
    {
        _outbox = outbox;
        _sinks = sinks.ToArray();
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>The destinations, each tracked (and, in the local server's dispatcher, served) on its own.</summary>
    public IReadOnlyList<IEventSink> Sinks => _sinks;

    /// <summary>
    /// One round: every sink gets the events due for it, all sinks at once, so a webhook that hangs until its timeout
    /// holds back only its own events.
    /// </summary>
    /// <param name="cancellationToken">Stops the round.</param>
    /// <returns>How many deliveries were attempted.</returns>
    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken)
    {
        var attempted = await Task.WhenAll(_sinks.Select(sink => DispatchDueAsync(sink, cancellationToken))).ConfigureAwait(false);
        return attempted.Sum();
    }

    /// <summary>One round for one sink: it gets the events due for it.</summary>
    /// <param name="sink">The destination.</param>
    /// <param name="cancellationToken">Stops the round.</param>
    /// <returns>How many deliveries were attempted.</returns>
    public async Task<int> DispatchDueAsync(IEventSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        // Each sink's round starts on its own, so one whose first call does not return at once holds back no other.
        await Task.Yield();
        var attempted = 0;
        var due = await _outbox.ReadDueAsync(sink.Name, _time.GetUtcNow(), _options.BatchSize, cancellationToken).ConfigureAwait(false);
        foreach (var (evt, attempts) in due)
        {
            attempted++;
            try
            {
                await sink.DeliverAsync(evt, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var failures = attempts + 1;
                var now = _time.GetUtcNow();
                DateTimeOffset? retryAt = failures >= _options.MaxAttempts ? null : now + _options.BackoffAfter(failures);
                await _outbox.MarkFailedAsync(sink.Name, evt.Id, failures, retryAt, ex.Message, now, cancellationToken).ConfigureAwait(false);
                if (retryAt is null)
                {
                    LogDeadLettered(_logger, evt.Id, sink.Name, failures, ex.Message);
                }
                else
                {
                    LogRetrying(_logger, evt.Id, sink.Name, failures, retryAt.Value, ex.Message);
                }

                continue;
            }

            // Outside the delivery's catch: the sink has the event, so a failure to record that (the database locked)
            // is not the sink's failed attempt; it ends the round and the event is sent again (at-least-once).
            await _outbox.MarkDeliveredAsync(sink.Name, evt.Id, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }

        return attempted;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Delivery of event {EventId} to {Destination} failed (attempt {Attempts}); retrying at {RetryAt}: {Error}")]
    private static partial void LogRetrying(ILogger logger, string eventId, string destination, int attempts, DateTimeOffset retryAt, string error);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Event {EventId} dead-lettered for {Destination} after {Attempts} attempts: {Error}")]
    private static partial void LogDeadLettered(ILogger logger, string eventId, string destination, int attempts, string error);
}
