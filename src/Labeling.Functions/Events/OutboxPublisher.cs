using Labeling.Application.Events;

namespace Labeling.Functions.Events;

/// <summary>
/// Publishes the outbox from this Functions instance with at most one pass running and one queued:
/// when many crowd workflows finish at once, their <c>CompleteCrowdItem</c> activities share passes
/// instead of each reading the whole outbox and sending the same due events side by side.
/// </summary>
/// <remarks>
/// A request that arrives while a pass runs marks the outbox dirty, and the running pass goes round
/// again, so an event committed after the pass read the outbox is still sent before the caller's
/// pass completes. Across instances passes may still overlap; the topic drops repeated message ids.
/// </remarks>
public sealed class OutboxPublisher
{
    private readonly EventDispatcher _dispatcher;
    private readonly object _gate = new();
    private Task<int>? _running;
    private bool _dirty;

    /// <summary>Creates the publisher.</summary>
    /// <param name="dispatcher">Delivers due events to the sinks.</param>
    public OutboxPublisher(EventDispatcher dispatcher) => _dispatcher = dispatcher;

    /// <summary>Publishes every event due now, joining a pass already running.</summary>
    /// <param name="cancellationToken">Cancels the wait (not a pass other callers share).</param>
    /// <returns>Deliveries attempted by the pass this call joined.</returns>
    public Task<int> PublishAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_running is { IsCompleted: false } running)
            {
                _dirty = true;
                return running.WaitAsync(cancellationToken);
            }

            _dirty = false;
            _running = RunAsync();
            return _running.WaitAsync(cancellationToken);
        }
    }

    private async Task<int> RunAsync()
    {
        var attempted = 0;
        while (true)
        {
            // Bounded passes: a batch at a time until nothing is due and nobody asked again.
            var sent = await _dispatcher.DispatchDueAsync(CancellationToken.None).ConfigureAwait(false);
            attempted += sent;
            lock (_gate)
            {
                if (sent == 0 && !_dirty)
                {
                    return attempted;
                }

                _dirty = false;
            }
        }
    }
}
