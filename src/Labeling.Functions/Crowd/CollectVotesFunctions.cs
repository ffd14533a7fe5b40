using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Labeling.Functions.Events;
using Labeling.Orchestration.Crowd;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Labeling.Functions.Crowd;

/// <summary>
/// The <c>CollectVotes</c> orchestrator (the shared workflow in Labeling.Orchestration) and its activities
/// over the Azure stores.
/// </summary>
/// <remarks>
/// On Azure the vote endpoint (the same <c>VoteRecording</c> use case as the local host) already ran the
/// online inference and committed the vote; the <c>ObserveCrowdVote</c> activity reads the committed
/// posterior and counts, so the workflow's policy step sees exactly what the vote handler saw.
/// </remarks>
public sealed partial class CollectVotesFunctions
{
    private readonly IItemStore _items;
    private readonly OutboxPublisher _publisher;
    private readonly ILogger<CollectVotesFunctions> _logger;

    /// <summary>Creates the functions.</summary>
    /// <param name="items">The item store.</param>
    /// <param name="publisher">Publishes <c>label.ready</c> from the outbox.</param>
    /// <param name="logger">Logs a publish that failed after the decision.</param>
    public CollectVotesFunctions(IItemStore items, OutboxPublisher publisher, ILogger<CollectVotesFunctions> logger)
    {
        _items = items;
        _publisher = publisher;
        _logger = logger;
    }

    /// <summary>The orchestrator: a thin wrapper around <see cref="CollectVotesOrchestration.RunAsync"/>.</summary>
    /// <param name="context">The orchestration context.</param>
    /// <returns>How the item's workflow ended.</returns>
    [Function(nameof(CollectVotes))]
    public static Task<CollectVotesResult?> CollectVotes([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return CollectVotesOrchestration.RunAsync(context, context.GetInput<CollectVotesInput>()
            ?? throw new InvalidOperationException("CollectVotes needs a CollectVotesInput."));
    }

    /// <summary>The item is leasable while it is collecting; returns what the policy needs.</summary>
    /// <param name="item">The item.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The observation.</returns>
    [Function(CollectVotesActivities.OpenForCrowd)]
    public Task<CrowdObservation> OpenForCrowdAsync([ActivityTrigger] ItemReference item, CancellationToken cancellationToken) =>
        ObserveAsync(item, cancellationToken);

    /// <summary>The online-inference result of a vote: the committed posterior and counts.</summary>
    /// <param name="input">The vote.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The observation.</returns>
    [Function(CollectVotesActivities.ObserveVote)]
    public Task<CrowdObservation> ObserveVoteAsync([ActivityTrigger] ObserveVoteInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ObserveAsync(input.Item, cancellationToken);
    }

    /// <summary>
    /// After a wait of <c>CrowdWorkflow:IdleCheck</c> without a vote: re-read the item, so the workflow ends if the item left
    /// the crowd some other way (a reviewer, a spent budget, the re-fit). Leases that ran out meanwhile hold nothing: task
    /// requests judge holds by their time.
    /// </summary>
    /// <param name="item">The item.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The observation.</returns>
    [Function(CollectVotesActivities.ReturnToPool)]
    public Task<CrowdObservation> ReturnToPoolAsync([ActivityTrigger] ItemReference item, CancellationToken cancellationToken) =>
        ObserveAsync(item, cancellationToken);

    /// <summary>Publishes what the decision put in the outbox. Idempotent: the topic drops duplicate message ids.</summary>
    /// <remarks>
    /// The decision and its event are committed before this runs; publishing here only makes the event leave sooner than
    /// the <c>DispatchLabelEvents</c> timer (every minute) would send it. So a pass that fails (the outbox store or the
    /// topic failing) is logged and the workflow completes: thrown, it was retried five times and then ended the item's
    /// workflow Failed although nothing about the item had failed.
    /// </remarks>
    /// <param name="input">The final step.</param>
    /// <param name="cancellationToken">Cancels the delivery.</param>
    /// <returns>Deliveries attempted (0 when the pass failed).</returns>
    [Function(CollectVotesActivities.Complete)]
    public async Task<int> CompleteAsync([ActivityTrigger] CompleteItemInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            return await _publisher.PublishAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogPublishFailed(_logger, input.Item.ProjectId, input.Item.ItemId, DispatchLabelEventsFunction.Schedule, ex);
            return 0;
        }
    }

    [LoggerMessage(EventId = 9105, Level = LogLevel.Warning, Message = "Publishing the outbox after item {ItemId} of project {ProjectId} was decided failed; its label.ready is committed and the DispatchLabelEvents timer ({Schedule}) sends it")]
    private static partial void LogPublishFailed(ILogger logger, string projectId, string itemId, string schedule, Exception exception);

    private async Task<CrowdObservation> ObserveAsync(ItemReference reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        // Independent reads: together.
        var read = _items.GetAsync(reference.ProjectId, reference.ItemId, cancellationToken);
        var count = _items.CountCrowdVotesAsync(reference.ProjectId, cancellationToken);
        var item = await read.ConfigureAwait(false);
        var used = await count.ConfigureAwait(false);
        return item is null
            ? new CrowdObservation(ItemState.Decided, false, 0, 0, used, null)
            : new CrowdObservation(item.State, item.IsGold, item.CrowdVotes, item.CrowdLabels, used, item.Posterior?.ToArray());
    }
}
