using Labeling.Application.Events;
using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Labeling.Domain.Routing;
using Labeling.Functions.Crowd;
using Labeling.Functions.Events;
using Labeling.Orchestration.Crowd;
using Labeling.TestSupport.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Labeling.Functions.Tests.Crowd;

/// <summary>The crowd workflow's last activity only hurries the decided item's event out; its failure fails nothing.</summary>
public sealed class CompleteActivityTests
{
    [Fact]
    public async Task Complete_WhenPublishingTheOutboxFails_LogsAndReturns_SoTheWorkflowCompletes()
    {
        // It threw, so the activity was retried five times and the item's workflow then ended Failed, although the
        // decision and its event were committed and the DispatchLabelEvents timer sends the event within a minute.
        var logs = new LogCollector();
        using var loggers = new LoggerFactory([logs]);
        var dispatcher = new EventDispatcher(
            new FailingOutbox(), [new Topic()], TimeProvider.System, Options.Create(new EventDeliveryOptions()), NullLogger<EventDispatcher>.Instance);
        var functions = new CollectVotesFunctions(null!, new OutboxPublisher(dispatcher), loggers.CreateLogger<CollectVotesFunctions>());
        var input = new CompleteItemInput(
            new ItemReference("p", "itm_1"),
            new RoutingDecision(RoutingStep.Decide, ItemState.Decided, 0, 0.99, DecidedBy.Crowd, "target reached"),
            new CrowdObservation(ItemState.Decided, false, 3, 3, 3, [0.99, 0.01]));

        Assert.Equal(0, await functions.CompleteAsync(input, CancellationToken.None));

        var logged = Assert.Single(logs.Records, r => r.EventId.Id == 9105);
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Equal("itm_1", logged.State["ItemId"]);
    }

    private sealed class Topic : IEventSink
    {
        public string Name => "topic";

        public Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class FailingOutbox : IEventOutbox
    {
        public Task<IReadOnlyList<DueEvent>> ReadDueAsync(string destination, DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the outbox store is unavailable");

        public Task MarkDeliveredAsync(string destination, string eventId, DateTimeOffset at, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the outbox store is unavailable");

        public Task MarkFailedAsync(string destination, string eventId, int attempts, DateTimeOffset? retryAt, string error, DateTimeOffset at, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the outbox store is unavailable");

        public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int limit, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the outbox store is unavailable");

        public Task<int> RequeueDeadLettersAsync(string? destination, DateTimeOffset now, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the outbox store is unavailable");

        public Task<int> ResumeAsync(string destination, DateTimeOffset now, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the outbox store is unavailable");
    }
}
