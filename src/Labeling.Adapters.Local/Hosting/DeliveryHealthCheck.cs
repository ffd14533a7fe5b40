using System.Globalization;
using Labeling.Adapters.Local.Events;
using Labeling.Adapters.Local.Work;
using Labeling.Application.Events;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Labeling.Adapters.Local.Hosting;

/// <summary>
/// Degraded (HTTP 200, body <c>Degraded</c>) while work is not getting where it should: an event destination is failing
/// (its last rounds failed and it has taken nothing since), events were dead-lettered and not yet sent again, or work-queue
/// messages were poisoned. The server still takes votes; these need a person. The reason is logged when the status
/// changes (events 1009 and 1010), not at every poll.
/// </summary>
public sealed partial class DeliveryHealthCheck : IHealthCheck
{
    private readonly SqliteEventOutbox _outbox;
    private readonly SqliteWorkQueue _queue;
    private readonly EventDispatcher _dispatcher;
    private readonly TimeProvider _time;
    private readonly ILogger<DeliveryHealthCheck> _logger;
    private string? _reason;

    /// <summary>Creates the check.</summary>
    public DeliveryHealthCheck(SqliteEventOutbox outbox, SqliteWorkQueue queue, EventDispatcher dispatcher, TimeProvider time, ILogger<DeliveryHealthCheck> logger)
    {
        _outbox = outbox;
        _queue = queue;
        _dispatcher = dispatcher;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // Each reason with what changes while it lasts (counts, minutes) and what does not (the kind of trouble): the result
        // shows the first, and a change of the second is what is logged, so an outage is one warning, not one a minute.
        var reasons = new List<(string Text, string Kind)>();
        var now = _time.GetUtcNow();
        foreach (var (destination, rounds, since) in _dispatcher.FailingDestinations())
        {
            reasons.Add((string.Create(CultureInfo.InvariantCulture, $"{destination} has failed {rounds} time(s) in a row since {since:O} ({(now - since).TotalMinutes:0} min)"), $"{destination} failing since {since:O}"));
        }

        try
        {
            var dead = await _outbox.CountDeadLettersAsync(_dispatcher.Sinks.Select(s => s.Name), cancellationToken).ConfigureAwait(false);
            if (dead > 0)
            {
                reasons.Add((string.Create(CultureInfo.InvariantCulture, $"{dead} dead-lettered deliveries (GET /api/events/dead-letters; POST /api/events/dead-letters/redeliver once the cause is fixed)"), "dead letters"));
            }

            var (_, poisoned) = await _queue.CountAsync(cancellationToken).ConfigureAwait(false);
            if (poisoned > 0)
            {
                reasons.Add((string.Create(CultureInfo.InvariantCulture, $"{poisoned} poisoned work-queue message(s) (received WorkQueue:MaxAttempts times without completing; event 7101 logs each failed attempt)"), "poisoned messages"));
            }
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            // The database's own check reports it unhealthy; this one has nothing to add.
        }

        var reason = reasons.Count == 0 ? null : string.Join("; ", reasons.Select(r => r.Text)) + ".";
        var kinds = reasons.Count == 0 ? null : string.Join("; ", reasons.Select(r => r.Kind));
        if (!string.Equals(Interlocked.Exchange(ref _reason, kinds), kinds, StringComparison.Ordinal))
        {
            if (reason is not null)
            {
                LogDegraded(_logger, reason);
            }
            else
            {
                LogNoLongerDegraded(_logger);
            }
        }

        return reason is null ? HealthCheckResult.Healthy("Events and queued work flow.") : HealthCheckResult.Degraded(reason);
    }

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Health: degraded. {Reason}")]
    private static partial void LogDegraded(ILogger logger, string reason);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Health: no longer degraded.")]
    private static partial void LogNoLongerDegraded(ILogger logger);
}
