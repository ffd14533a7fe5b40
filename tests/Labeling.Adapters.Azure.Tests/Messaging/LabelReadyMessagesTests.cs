using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Labeling.Adapters.Azure.Messaging;
using Labeling.Application.Events;
using Labeling.Domain.Events;
using Labeling.Domain.Items;

namespace Labeling.Adapters.Azure.Tests.Messaging;

public sealed class LabelReadyMessagesTests
{
    private static readonly LabelReadyEvent Decision = new(
        "youtube-spam", "itm_abc", 7, "spam", 0.97, new Dictionary<string, double> { ["spam"] = 0.97, ["ham"] = 0.03 },
        DecidedBy.Crowd, 4, new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Create_LabelReady_BodyIsTheCloudEventAndMessageIdIsTheEventId()
    {
        var outbox = LabelReadyCloudEvents.ToOutboxEvent(Decision, new ItemOrigin("ext-1", "doc_1", "row-2"), "/labeling/projects");

        var message = LabelReadyMessages.Create(outbox);

        Assert.Equal("itm_abc-r7", message.MessageId);
        Assert.Equal("application/cloudevents+json; charset=utf-8", message.ContentType);
        Assert.Equal("label.ready", message.Subject);
        Assert.Equal(outbox.Payload, message.Body.ToString());
        using var body = JsonDocument.Parse(message.Body.ToString());
        Assert.Equal("1.0", body.RootElement.GetProperty("specversion").GetString());
        Assert.Equal("itm_abc-r7", body.RootElement.GetProperty("id").GetString());
        Assert.Equal("/labeling/projects/youtube-spam", body.RootElement.GetProperty("source").GetString());
        Assert.Equal("spam", body.RootElement.GetProperty("data").GetProperty("label").GetString());
        Assert.Equal("ext-1", body.RootElement.GetProperty("data").GetProperty("externalId").GetString());
        Assert.Equal("doc_1", body.RootElement.GetProperty("data").GetProperty("documentId").GetString());
        Assert.Equal("row-2", body.RootElement.GetProperty("data").GetProperty("sourceId").GetString());
    }

    [Fact]
    public void Create_LabelReady_CarriesTheFilterPropertiesSubscriptionsUse()
    {
        var message = LabelReadyMessages.Create(LabelReadyCloudEvents.ToOutboxEvent(Decision, ItemOrigin.None, "/labeling/projects"));

        Assert.Equal("youtube-spam", message.ApplicationProperties["projectId"]);
        Assert.Equal("spam", message.ApplicationProperties["label"]);
        Assert.Equal("crowd", message.ApplicationProperties["decidedBy"]);
        Assert.False(message.ApplicationProperties.ContainsKey("revises"));
    }

    [Fact]
    public void Create_ARevision_CarriesTheRevisionItReplaces()
    {
        // Filtered on `label = 'spam'` alone, a subscription never heard that an item was revised to ham.
        var message = LabelReadyMessages.Create(LabelReadyCloudEvents.ToOutboxEvent(Decision with { Label = "ham" }, ItemOrigin.None, "/labeling/projects", revises: 5));

        Assert.Equal("ham", message.ApplicationProperties["label"]);
        Assert.Equal(5L, message.ApplicationProperties["revises"]);
    }

    [Fact]
    public void Create_PayloadWithAnotherId_IsRejected()
    {
        var outbox = LabelReadyCloudEvents.ToOutboxEvent(Decision, ItemOrigin.None, "/labeling/projects") with { Id = "itm_other-r1" };

        Assert.Throws<ArgumentException>(() => LabelReadyMessages.Create(outbox));
    }

    [Fact]
    public async Task DeliverAsync_SendsOneMessageThroughTheTopicSender()
    {
        var sender = new RecordingSender();
        var sink = new ServiceBusEventSink(sender);

        await sink.DeliverAsync(LabelReadyCloudEvents.ToOutboxEvent(Decision, ItemOrigin.None, "/labeling/projects"), CancellationToken.None);

        var sent = Assert.Single(sender.Sent);
        Assert.Equal("itm_abc-r7", sent.MessageId);
        Assert.Equal("servicebus:label-events", sink.Name);
    }

    private sealed class RecordingSender : ServiceBusSender
    {
        public List<ServiceBusMessage> Sent { get; } = [];

        public override string EntityPath => "label-events";

        public override Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
        {
            Sent.Add(message);
            return Task.CompletedTask;
        }
    }
}
