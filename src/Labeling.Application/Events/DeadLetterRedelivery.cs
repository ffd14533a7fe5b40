using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Microsoft.Extensions.Logging;

namespace Labeling.Application.Events;

/// <summary>
/// Sends dead letters again after an outage: each goes back among the due deliveries with every attempt
/// (<see cref="EventDeliveryOptions.MaxAttempts"/>) again, and the dispatcher delivers it at its next round.
/// </summary>
/// <remarks>
/// Only destinations this process delivers to are requeued: a dead letter of a destination no longer configured
/// stays listed, since no sink would send it. Requeueing is safe to repeat and to run beside the dispatcher
/// (<see cref="IEventOutbox.RequeueDeadLettersAsync"/>); delivery stays at-least-once. A destination the dispatcher
/// has paused for failing is tried again at once (<see cref="EventDispatcher.Resume"/>).
/// </remarks>
public sealed partial class DeadLetterRedelivery
{
    private readonly IEventOutbox _outbox;
    private readonly IReadOnlyList<string> _destinations;
    private readonly EventDispatcher _dispatcher;
    private readonly TimeProvider _time;
    private readonly ILogger<DeadLetterRedelivery> _logger;

    /// <summary>Creates the use case.</summary>
    public DeadLetterRedelivery(IEventOutbox outbox, EventDispatcher dispatcher, TimeProvider time, ILogger<DeadLetterRedelivery> logger)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        _outbox = outbox;
        _dispatcher = dispatcher;
        _destinations = dispatcher.Sinks.Select(s => s.Name).ToArray();
        _time = time;
        _logger = logger;
    }

    /// <summary>Requeues the dead letters of one destination, or of every configured one.</summary>
    /// <param name="destination">A sink's name as <c>GET /api/events/dead-letters</c> lists it; null or empty for all.</param>
    /// <param name="caller">Who asked (logged).</param>
    /// <param name="cancellationToken">Cancels the requeue; deliveries already requeued stay requeued.</param>
    /// <returns>How many deliveries were requeued, per destination.</returns>
    /// <exception cref="InvalidRequestException">No configured destination has that name.</exception>
    public async Task<DeadLetterRedeliveryResult> RedeliverAsync(string? destination, string caller, CancellationToken cancellationToken)
    {
        var targets = string.IsNullOrEmpty(destination) ? _destinations : [Known(destination)];
        var now = _time.GetUtcNow();
        var requeued = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            requeued[target] = await _outbox.RequeueDeadLettersAsync(target, now, cancellationToken).ConfigureAwait(false);
            _dispatcher.Resume(target);
        }

        var total = requeued.Values.Sum();
        LogRedelivered(_logger, total, string.IsNullOrEmpty(destination) ? "every destination" : destination, caller);
        return new DeadLetterRedeliveryResult(total, requeued);
    }

    private string Known(string destination)
    {
        if (_destinations.Contains(destination, StringComparer.Ordinal))
        {
            return destination;
        }

        var known = _destinations.Count == 0
            ? "this instance delivers events to no destination"
            : "use one of " + string.Join(", ", _destinations) + ", or leave destination out for all";
        throw new InvalidRequestException("destination", $"Unknown destination '{InvalidRequestException.Echo(destination)}'; {known}.");
    }

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "{Requeued} dead-lettered deliveries to {Destination} requeued for delivery, as {Caller} asked")]
    private static partial void LogRedelivered(ILogger logger, int requeued, string destination, string caller);
}
