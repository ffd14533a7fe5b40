using System.Net.Mime;
using System.Text;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Labeling.Application;
using Labeling.Application.Ports;

namespace Labeling.Adapters.Azure.Messaging;

/// <summary>
/// Turns an outbox event into the Service Bus message subscribers of <c>label-events</c> receive:
/// the CloudEvent in JSON structured mode as the body, <c>MessageId</c> = the event id (so the
/// topic's duplicate detection drops re-publishes of one decision), and the application properties
/// subscriptions filter on: <c>projectId</c>, <c>label</c>, <c>decidedBy</c>.
/// </summary>
public static class LabelReadyMessages
{
    /// <summary>The content type of the body.</summary>
    public const string ContentType = "application/cloudevents+json; charset=utf-8";

    private static readonly JsonEventFormatter Formatter = new(LabelingJson.Options, default);

    /// <summary>Builds the message.</summary>
    /// <param name="outboxEvent">The stored event; its payload is sent byte for byte.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ArgumentException">The payload is not a CloudEvent with the event's id.</exception>
    public static ServiceBusMessage Create(OutboxEvent outboxEvent)
    {
        ArgumentNullException.ThrowIfNull(outboxEvent);
        var body = Encoding.UTF8.GetBytes(outboxEvent.Payload);
        var cloudEvent = Formatter.DecodeStructuredModeMessage(body, new ContentType(MediaTypeNames.Application.Json), null);
        if (!string.Equals(cloudEvent.Id, outboxEvent.Id, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The outbox payload carries CloudEvent id '{cloudEvent.Id}' but the event is '{outboxEvent.Id}'.", nameof(outboxEvent));
        }

        var message = new ServiceBusMessage(body)
        {
            MessageId = outboxEvent.Id,
            ContentType = ContentType,
            Subject = cloudEvent.Type,
            CorrelationId = outboxEvent.ItemId,
        };
        message.ApplicationProperties["projectId"] = outboxEvent.ProjectId;
        if (cloudEvent.Data is JsonElement { ValueKind: JsonValueKind.Object } data)
        {
            if (data.TryGetProperty("label", out var label) && label.ValueKind == JsonValueKind.String)
            {
                message.ApplicationProperties["label"] = label.GetString();
            }

            if (data.TryGetProperty("decidedBy", out var decidedBy) && decidedBy.ValueKind == JsonValueKind.String)
            {
                message.ApplicationProperties["decidedBy"] = decidedBy.GetString();
            }

            // Only on a label that replaces one published before: a subscription filtering on `label` alone never sees an
            // item revised away from that label, and keeps the old one; `OR revises IS NOT NULL` lets it hear of those.
            if (data.TryGetProperty("revises", out var revises) && revises.ValueKind == JsonValueKind.Number && revises.TryGetInt64(out var revised))
            {
                message.ApplicationProperties["revises"] = revised;
            }
        }

        return message;
    }
}
