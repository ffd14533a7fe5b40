using Azure.Messaging.ServiceBus;
using Labeling.Application.Ports;

namespace Labeling.Adapters.Azure.Messaging;

/// <summary>Publishes outbox events to the Service Bus topic (<c>label-events</c>) as CloudEvents.</summary>
/// <remarks>At-least-once: a retry after a lost acknowledgement sends the same <c>MessageId</c>, which the topic's duplicate detection drops.</remarks>
public sealed class ServiceBusEventSink : IEventSink
{
    private readonly ServiceBusSender _sender;

    /// <summary>Creates the sink.</summary>
    /// <param name="sender">A sender for the topic.</param>
    public ServiceBusEventSink(ServiceBusSender sender)
    {
        ArgumentNullException.ThrowIfNull(sender);
        _sender = sender;
    }

    /// <inheritdoc />
    public string Name => "servicebus:" + _sender.EntityPath;

    /// <inheritdoc />
    public Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken) =>
        _sender.SendMessageAsync(LabelReadyMessages.Create(outboxEvent), cancellationToken);
}
