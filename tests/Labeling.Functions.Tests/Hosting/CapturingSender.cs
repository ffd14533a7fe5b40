using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;

namespace Labeling.Functions.Tests.Hosting;

/// <summary>The Service Bus topic sender, recording what the publisher sends (Service Bus has no emulator here).</summary>
public sealed class CapturingSender : ServiceBusSender
{
    public ConcurrentQueue<ServiceBusMessage> Sent { get; } = new();

    public override string EntityPath => "label-events";

    public override Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
    {
        Sent.Enqueue(message);
        return Task.CompletedTask;
    }
}
