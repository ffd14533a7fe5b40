namespace Labeling.Application.Ports;

/// <summary>A destination for outbox events (webhook, JSONL file, Service Bus topic).</summary>
/// <remarks>Delivery is at-least-once: a sink may receive an event twice; consumers deduplicate on the event id.</remarks>
public interface IEventSink
{
    /// <summary>Stable name, used to track deliveries per destination.</summary>
    string Name { get; }

    /// <summary>Delivers one event; throws when the destination did not accept it.</summary>
    /// <param name="outboxEvent">The event.</param>
    /// <param name="cancellationToken">Cancels the delivery.</param>
    /// <returns>A task.</returns>
    Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken);

    /// <summary>
    /// Whether a delivery is durable only once <see cref="SyncAsync"/> has run (a file written, not yet synced). The
    /// dispatcher then records a round's deliveries after one sync at its end; otherwise each as it is made. Default false.
    /// </summary>
    bool DurableOnSync => false;

    /// <summary>
    /// Makes what the round's deliveries handed over durable (a file synced to the disk), before the dispatcher records them
    /// as delivered, when <see cref="DurableOnSync"/>: one sync for many events. Default: nothing to do.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the round's deliveries are durable.</returns>
    Task SyncAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
