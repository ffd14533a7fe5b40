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
}
