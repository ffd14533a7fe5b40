using System.Net.Mime;
using System.Text;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Labeling.Application.Ports;
using Labeling.Domain.Events;

namespace Labeling.Application.Events;

/// <summary>Turns a <see cref="LabelReadyEvent"/> into a CloudEvents 1.0 JSON document for the outbox.</summary>
/// <remarks>
/// <c>id</c> is the item id plus the decision's revision, <c>source</c> is the configured prefix plus the
/// project id, <c>type</c> is <c>label.ready</c>, <c>subject</c> is the item id. The JSON is produced once,
/// when the decision is committed, so every redelivery carries identical bytes. A revised label (after a
/// batch re-fit) is a new event with the item's new revision in its id and <c>data.revises</c> naming the
/// revision it replaces, so consumers that deduplicate on <c>id</c> receive it.
/// </remarks>
public static class LabelReadyCloudEvents
{
    private static readonly JsonEventFormatter Formatter = new(LabelingJson.Options, default);

    /// <summary>Builds the CloudEvent.</summary>
    /// <param name="labelReady">The decision.</param>
    /// <param name="origin">The item's external id, document and place.</param>
    /// <param name="sourcePrefix">The <c>source</c> prefix, e.g. <c>/labeling/projects</c>.</param>
    /// <param name="revises">The revision of the earlier decision this one replaces; null for a first decision.</param>
    /// <returns>The CloudEvent.</returns>
    public static CloudEvent ToCloudEvent(LabelReadyEvent labelReady, ItemOrigin origin, string sourcePrefix, long? revises = null)
    {
        ArgumentNullException.ThrowIfNull(labelReady);
        ArgumentNullException.ThrowIfNull(origin);
        return new CloudEvent
        {
            Id = labelReady.Id,
            Source = new Uri($"{sourcePrefix.TrimEnd('/')}/{labelReady.ProjectId}", UriKind.RelativeOrAbsolute),
            Type = LabelReadyEvent.EventType,
            Subject = labelReady.ItemId,
            Time = labelReady.DecidedAt,
            DataContentType = MediaTypeNames.Application.Json,
            Data = new LabelReadyData(
                labelReady.ProjectId,
                labelReady.ItemId,
                origin.ExternalId,
                origin.DocumentId,
                origin.SourceId,
                labelReady.Label,
                labelReady.Confidence,
                labelReady.Posterior,
                labelReady.DecidedBy,
                labelReady.Votes,
                labelReady.Revision,
                revises),
        };
    }

    /// <summary>Builds the outbox entry: the CloudEvent in structured mode, on one line.</summary>
    /// <param name="labelReady">The decision.</param>
    /// <param name="origin">The item's external id, document and place.</param>
    /// <param name="sourcePrefix">The <c>source</c> prefix.</param>
    /// <param name="revises">The revision of the earlier decision this one replaces; null for a first decision.</param>
    /// <returns>The outbox event.</returns>
    public static OutboxEvent ToOutboxEvent(LabelReadyEvent labelReady, ItemOrigin origin, string sourcePrefix, long? revises = null)
    {
        var cloudEvent = ToCloudEvent(labelReady, origin, sourcePrefix, revises);
        var bytes = Formatter.EncodeStructuredModeMessage(cloudEvent, out _);
        return new OutboxEvent(
            labelReady.Id,
            labelReady.ProjectId,
            labelReady.ItemId,
            LabelReadyEvent.EventType,
            Encoding.UTF8.GetString(bytes.Span),
            labelReady.DecidedAt);
    }
}
