using Labeling.Domain.Items;
using Labeling.Domain.Routing;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Labeling.Orchestration.Crowd;

/// <summary>
/// The crowd workflow of one item (<c>CollectVotes</c>): open the item for leasing, wait for
/// <see cref="VoteSubmitted"/> events (with a timer that reads the item again after <see cref="CollectVotesInput.IdleCheck"/>
/// without one, to end when the item left <c>collecting</c> some other way), run the online-inference
/// activity on each vote, and ask <see cref="DynamicOverlapPolicy"/> what next — until the item is
/// decided or sent to review.
/// </summary>
/// <remarks>
/// <para>Replay-safe: the orchestrator reads time only from <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>,
/// does I/O only through activities, and has no randomness. The policy is pure, so on replay it
/// returns the same decisions from the same activity results.</para>
/// <para>The policy sees the snapshot "after the event's vote is counted" with the item in
/// <c>collecting</c>, as the vote handler did when it recorded the vote. The handler decides on the
/// stopping posterior (<see cref="StoppingPosterior"/>: voters the model knows little about count for
/// less), which the stored item does not carry, so the stored state has the last word: the workflow
/// ends only when the item has left <c>collecting</c>, and waits on when the handler kept it open.</para>
/// <para>History stays short: after <see cref="RoundsPerGeneration"/> waits the workflow continues
/// as new (unprocessed events are kept), carrying its counters in the input.</para>
/// </remarks>
public static partial class CollectVotesOrchestration
{
    /// <summary>The orchestration's registered name.</summary>
    public const string Name = "CollectVotes";

    /// <summary>The external event a vote raises on the item's workflow.</summary>
    public const string VoteSubmittedEvent = "VoteSubmitted";

    /// <summary>Waits (votes or lease expiries) per history generation before <c>ContinueAsNew</c>.</summary>
    public const int RoundsPerGeneration = 16;

    /// <summary>
    /// Retries of every activity: an activity that throws once (a store or network blip) would otherwise fail the
    /// whole workflow and leave its item collecting with nothing to watch it. The activities read the item or
    /// publish the outbox (the topic drops duplicate ids), so running one again is safe. Five attempts, 2 s, then
    /// 4, 8 and 16 s apart (capped at a minute).
    /// </summary>
    public static readonly TaskOptions ActivityRetry = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(1)));

    /// <summary>Runs the workflow.</summary>
    /// <param name="context">The orchestration context.</param>
    /// <param name="input">The item and its project's routing settings.</param>
    /// <returns>How the item's workflow ended; null when this generation continued as new.</returns>
    public static async Task<CollectVotesResult?> RunAsync(TaskOrchestrationContext context, CollectVotesInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var logger = context.CreateReplaySafeLogger(typeof(CollectVotesOrchestration).FullName!);
        var policy = new DynamicOverlapPolicy(input.Routing);
        var item = new ItemReference(input.ProjectId, input.ItemId);
        var expirations = input.LeaseExpirations;
        var leasesVoted = new List<string>(input.LeasesVoted ?? []);

        var observation = await context.CallActivityAsync<CrowdObservation>(CollectVotesActivities.OpenForCrowd, item, ActivityRetry);
        if (observation.State != ItemState.Collecting)
        {
            return Left(input, observation, leasesVoted.Count, expirations);
        }

        for (var round = 0; round < RoundsPerGeneration; round++)
        {
            using var stop = new CancellationTokenSource();
            var vote = context.WaitForExternalEvent<VoteSubmitted>(VoteSubmittedEvent, stop.Token);
            var expiry = context.CreateTimer(context.CurrentUtcDateTime + (input.IdleCheck ?? input.LeaseDuration), stop.Token);
            var first = await Task.WhenAny(vote, expiry);

            // Cancelling the loser lets the orchestration finish without waiting for the timer. It must be
            // the synchronous Cancel: CancelAsync runs the callbacks off the orchestrator's thread and hangs.
            stop.Cancel();
            if (first == vote)
            {
                var submitted = await vote;
                if (leasesVoted.Contains(submitted.LeaseId, StringComparer.Ordinal))
                {
                    // A lease carries one vote, and the store recorded it once: an event raised again for it
                    // (a client retrying, a redelivery) changes nothing.
                    LogVoteRedelivered(logger, input.ProjectId, input.ItemId, submitted.LeaseId);
                    continue;
                }

                leasesVoted.Add(submitted.LeaseId);
                observation = await context.CallActivityAsync<CrowdObservation>(
                    CollectVotesActivities.ObserveVote, new ObserveVoteInput(item, submitted), ActivityRetry);
                var decision = policy.Next(
                    observation.ToSnapshot() with { State = ItemState.Collecting },
                    new CrowdVoteRecorded(observation.Posterior));
                LogVoteObserved(logger, input.ProjectId, input.ItemId, leasesVoted.Count, decision.Step);
                var ends = decision.Step is RoutingStep.Decide or RoutingStep.SendToReview;
                if (observation.State == ItemState.Collecting)
                {
                    if (ends)
                    {
                        // The vote handler, which decides on the stopping posterior (voters it knows little
                        // about discounted), kept the item open: it wants more votes, so the workflow waits on.
                        LogHandlerKeptOpen(logger, input.ProjectId, input.ItemId, leasesVoted.Count);
                    }

                    continue;
                }

                // The vote handler moved the item on: publish what it put in the outbox and end with its outcome. The policy's
                // reading stands only where it agrees with the stored state (the handler may have sent to review an item this
                // reading, on the stopping posterior's optimistic side or an older routing, would decide).
                await context.CallActivityAsync(CollectVotesActivities.Complete, new CompleteItemInput(item, decision, observation), ActivityRetry);
                return ends && decision.NextState == observation.State
                    ? Finished(input, decision, leasesVoted.Count, expirations)
                    : DecidedByHandler(input, observation, leasesVoted.Count, expirations);
            }
            else
            {
                expirations++;
                observation = await context.CallActivityAsync<CrowdObservation>(CollectVotesActivities.ReturnToPool, item, ActivityRetry);
                if (observation.State != ItemState.Collecting)
                {
                    // Decided or retired outside this workflow (a reviewer, the budget): nothing left to collect.
                    return Left(input, observation, leasesVoted.Count, expirations);
                }

                var decision = policy.Next(observation.ToSnapshot(), new LeaseExpired());
                LogLeaseExpired(logger, input.ProjectId, input.ItemId, expirations, decision.Step);
            }
        }

        context.ContinueAsNew(input with { LeaseExpirations = expirations, LeasesVoted = leasesVoted }, preserveUnprocessedEvents: true);
        return null;
    }

    private static CollectVotesResult Finished(CollectVotesInput input, RoutingDecision decision, int votes, int expirations) =>
        new(input.ProjectId, input.ItemId, decision.Step, decision.NextState, decision.LabelIndex, decision.Confidence,
            decision.DecidedBy, decision.Reason, votes, expirations);

    private static CollectVotesResult DecidedByHandler(CollectVotesInput input, CrowdObservation observation, int votes, int expirations)
    {
        if (observation.State != ItemState.Decided || observation.Posterior is not { Length: > 0 } posterior)
        {
            return new(input.ProjectId, input.ItemId, RoutingStep.SendToReview, observation.State, null, null, null,
                "The vote handler sent the item on when it recorded this vote.", votes, expirations);
        }

        var (best, confidence) = DynamicOverlapPolicy.Best(posterior);
        return new(input.ProjectId, input.ItemId, RoutingStep.Decide, observation.State, best, confidence, DecidedBy.Crowd,
            "The vote handler decided the item on its stopping posterior when it recorded this vote.", votes, expirations);
    }

    private static CollectVotesResult Left(CollectVotesInput input, CrowdObservation observation, int votes, int expirations) =>
        new(input.ProjectId, input.ItemId, RoutingStep.Ignore, observation.State, null, null, null,
            $"The item is {observation.State}, not collecting; the crowd workflow has nothing to do.", votes, expirations);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Vote {Votes} on item {ItemId} of project {ProjectId}: {Step}")]
    private static partial void LogVoteObserved(ILogger logger, string projectId, string itemId, int votes, RoutingStep step);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "Vote {Votes} on item {ItemId} of project {ProjectId}: its posterior reaches the target, but the vote handler's stopping posterior does not; collecting on")]
    private static partial void LogHandlerKeptOpen(ILogger logger, string projectId, string itemId, int votes);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Vote of lease {LeaseId} on item {ItemId} of project {ProjectId} arrived again; counted once")]
    private static partial void LogVoteRedelivered(ILogger logger, string projectId, string itemId, string leaseId);

    // Debug: every collecting item's workflow logs this once per wait, which on a large project is most of the workflows' logs.
    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "No vote on item {ItemId} of project {ProjectId} for a whole wait ({Expirations} so far); it is still collecting: {Step}")]
    private static partial void LogLeaseExpired(ILogger logger, string projectId, string itemId, int expirations, RoutingStep step);
}
