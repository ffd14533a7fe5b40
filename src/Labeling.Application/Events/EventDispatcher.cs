using System.Collections.Concurrent;
using Labeling.Application.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Events;

/// <summary>
/// Delivers outbox events to every configured sink: at-least-once, retried with exponential back-off,
/// dead-lettered after <see cref="EventDeliveryOptions.MaxAttempts"/>. Each sink is tracked separately,
/// so a failing webhook does not hold back the JSONL file.
/// </summary>
/// <remarks>
/// A destination that fails is paused as a whole, not only the event it failed: the round for it stops at the first
/// failure, and the next one tries a single event when the pause is over (the retry back-off
/// of its consecutive failed rounds, at most <see cref="MaxPause"/>). So a receiver that is down sees one attempt per
/// pause instead of every due event on its own schedule (a backlog of thousands tried, and logged, in seconds), the
/// events it was never offered keep all their attempts, and when it works again everything due goes out in the next
/// rounds (event 5004 says so). An event the receiver refuses while it takes others is tried after the events never
/// tried, so it delays them by one pause (the first, its rounds being followed by ones that succeed) at most. Pauses live in memory, per dispatcher: each instance of a scaled-out host probes on its own.
/// </remarks>
public sealed partial class EventDispatcher
{
    private readonly IEventOutbox _outbox;
    private readonly IReadOnlyList<IEventSink> _sinks;
    private readonly TimeProvider _time;
    private readonly EventDeliveryOptions _options;
    private readonly ILogger<EventDispatcher> _logger;
    private readonly ConcurrentDictionary<string, DestinationHealth> _health = new(StringComparer.Ordinal);

    /// <summary>The longest a failing destination is left alone before the next single attempt.</summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromMinutes(5);

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
        var health = _health.GetOrAdd(sink.Name, static _ => new DestinationHealth());
        if (health.IsPaused(_time.GetUtcNow()))
        {
            return 0;
        }

        var attempted = 0;
        var due = await _outbox.ReadDueAsync(sink.Name, _time.GetUtcNow(), _options.BatchSize, cancellationToken).ConfigureAwait(false);
        // Events never tried first, then those that failed before (each in the outbox's order): an event the receiver refuses
        // (a 400 for that payload) is the oldest due whenever its retry comes, and tried first it ended the round and paused
        // the destination before any other went out, round after round (10 minutes without a delivery, measured). Tried
        // last, it costs the others one short pause; a receiver that is down still fails the first event of a round.
        var delivered = new List<(string Id, int Attempts)>();
        (int FailedRounds, DateTimeOffset Since)? endedOutage = null;
        foreach (var (evt, attempts) in due.OrderBy(d => d.Attempts))
        {
            attempted++;
            try
            {
                await sink.DeliverAsync(evt, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var now = _time.GetUtcNow();
                var pausedUntil = health.Failed(now, PauseAfter);
                if (await ChargeAsync(sink, evt.Id, attempts + 1, ex.Message, ex.Message, now, cancellationToken).ConfigureAwait(false) is { } retryAt)
                {
                    LogRetrying(_logger, evt.Id, sink.Name, attempts + 1, retryAt, pausedUntil, ex.Message);
                }

                // The rest of the round waits for the destination's pause: a receiver that is down is not offered every
                // due event in turn, and none of them is charged an attempt it was never given.
                break;
            }

            if (health.Succeeded() is { } ended)
            {
                LogWorksAgain(_logger, sink.Name, ended.FailedRounds, ended.Since);
                endedOutage = (ended.FailedRounds, ended.Since);
            }

            // Outside the delivery's catch: the sink has the event, so a failure to record that (the database locked) is
            // not the sink's failed attempt; it ends the round and the event is sent again (at-least-once).
            if (sink.DurableOnSync)
            {
                delivered.Add((evt.Id, attempts));
            }
            else
            {
                await _outbox.MarkDeliveredAsync(sink.Name, evt.Id, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
        }

        if (delivered.Count > 0)
        {
            // A sink whose deliveries are durable only once synced (a file): one sync for the round, not one per event, and
            // the round's events recorded only after it.
            try
            {
                await sink.SyncAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Whether the round's events are on the disk is unknown: each is charged a failed attempt (so a sync that
                // keeps failing dead-letters them instead of writing them again every round), and the destination is
                // paused like one that refused an event.
                var now = _time.GetUtcNow();
                var pausedUntil = health.Failed(now, PauseAfter);
                foreach (var (id, attempts) in delivered)
                {
                    await ChargeAsync(sink, id, attempts + 1, "written but not synced: " + ex.Message, ex.Message, now, cancellationToken).ConfigureAwait(false);
                }

                LogSyncFailed(_logger, sink.Name, delivered.Count, pausedUntil, ex);
                return attempted;
            }

            foreach (var (id, _) in delivered)
            {
                await _outbox.MarkDeliveredAsync(sink.Name, id, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
        }

        if (endedOutage is { FailedRounds: >= 2 })
        {
            // The events tried during an outage wait out their own back-off (up to Events:MaxBackoff, an hour), and
            // arrived that long after the newer ones: they are due now, with the rest of the backlog. Not after a single
            // failed round: that is one event the receiver refuses while it takes the others (a 400 for that payload),
            // and making it due again at once would spend its attempts in minutes and pause the others each time.
            try
            {
                await _outbox.ResumeAsync(sink.Name, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The outage is over either way; the events tried during it keep their retry times.
                LogResumeFailed(_logger, sink.Name, ex);
            }
        }

        return attempted;
    }

    /// <summary>The destinations whose last rounds failed and that have not taken an event since, with how long.</summary>
    /// <returns>Each failing destination, its failed rounds in a row and since when.</returns>
    public IReadOnlyList<(string Destination, int FailedRounds, DateTimeOffset Since)> FailingDestinations() =>
        [.. _health.Select(h => (h.Key, Failing: h.Value.Failing())).Where(h => h.Failing is not null).Select(h => (h.Key, h.Failing!.Value.FailedRounds, h.Failing!.Value.Since))];

    /// <summary>
    /// Ends a destination's pause, so its next round tries at once (an operator who redelivers dead letters says it
    /// works again); if it still fails, it is paused again for longer.
    /// </summary>
    /// <param name="destination">The sink's name.</param>
    public void Resume(string destination)
    {
        if (_health.TryGetValue(destination, out var health))
        {
            health.Resume();
        }
    }

    // Records a failed attempt at an event: due again after the back-off for that many failures, or dead-lettered (and
    // logged) after the last. Returns the retry time; null when dead-lettered.
    private async Task<DateTimeOffset?> ChargeAsync(IEventSink sink, string eventId, int failures, string recorded, string error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        DateTimeOffset? retryAt = failures >= _options.MaxAttempts ? null : now + _options.BackoffAfter(failures);
        await _outbox.MarkFailedAsync(sink.Name, eventId, failures, retryAt, recorded, now, cancellationToken).ConfigureAwait(false);
        if (retryAt is null)
        {
            LogDeadLettered(_logger, eventId, sink.Name, failures, error);
        }

        return retryAt;
    }

    // How long a destination is left alone after that many consecutive failed rounds: the retry back-off for that many
    // failures (EventDeliveryOptions.BackoffAfter), at most MaxPause.
    private TimeSpan PauseAfter(int failedRounds)
    {
        var backoff = _options.BackoffAfter(failedRounds);
        return backoff < MaxPause ? backoff : MaxPause;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Delivery of event {EventId} to {Destination} failed (attempt {Attempts}); the event is retried at {RetryAt:O}, and nothing more is sent to {Destination} before {PausedUntil:O}: {Error}")]
    private static partial void LogRetrying(ILogger logger, string eventId, string destination, int attempts, DateTimeOffset retryAt, DateTimeOffset pausedUntil, string error);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Warning, Message = "The {Count} event(s) written to {Destination} in this round could not be made durable (its sync failed); each is retried with back-off, and nothing more is sent to {Destination} before {PausedUntil:O}")]
    private static partial void LogSyncFailed(ILogger logger, string destination, int count, DateTimeOffset pausedUntil, Exception exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Delivery to {Destination} works again after {FailedRounds} failed attempts since {Since:O}; its waiting events go out now")]
    private static partial void LogWorksAgain(ILogger logger, string destination, int failedRounds, DateTimeOffset since);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Delivery to {Destination} works again, but the events tried during its outage could not be made due now; they go out at their own retry times")]
    private static partial void LogResumeFailed(ILogger logger, string destination, Exception exception);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Event {EventId} dead-lettered for {Destination} after {Attempts} attempts: {Error}")]
    private static partial void LogDeadLettered(ILogger logger, string eventId, string destination, int attempts, string error);

    // One destination's consecutive failed rounds and the pause they earned; rounds for it may run concurrently (the
    // Functions host's timer and a decision's publish), so it is read and changed under its lock.
    private sealed class DestinationHealth
    {
        private readonly Lock _gate = new();
        private int _failedRounds;
        private DateTimeOffset _since;
        private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;

        public bool IsPaused(DateTimeOffset now)
        {
            lock (_gate)
            {
                return now < _pausedUntil;
            }
        }

        public DateTimeOffset Failed(DateTimeOffset now, Func<int, TimeSpan> pauseAfter)
        {
            lock (_gate)
            {
                if (_failedRounds == 0)
                {
                    _since = now;
                }

                _failedRounds++;
                _pausedUntil = now + pauseAfter(_failedRounds);
                return _pausedUntil;
            }
        }

        public void Resume()
        {
            lock (_gate)
            {
                _pausedUntil = DateTimeOffset.MinValue;
            }
        }

        public (int FailedRounds, DateTimeOffset Since)? Failing()
        {
            lock (_gate)
            {
                return _failedRounds == 0 ? null : (_failedRounds, _since);
            }
        }

        public (int FailedRounds, DateTimeOffset Since)? Succeeded()
        {
            lock (_gate)
            {
                if (_failedRounds == 0)
                {
                    return null;
                }

                var outage = (_failedRounds, _since);
                _failedRounds = 0;
                _pausedUntil = DateTimeOffset.MinValue;
                return outage;
            }
        }
    }
}
