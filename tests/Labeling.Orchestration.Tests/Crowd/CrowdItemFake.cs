using System.Collections.Concurrent;
using Labeling.Domain.Items;
using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;
using Labeling.Orchestration.Crowd;
using Microsoft.DurableTask;

namespace Labeling.Orchestration.Tests.Crowd;

/// <summary>
/// The workflow's activities over one in-memory item, with the real online Dawid–Skene model doing
/// the inference, so the orchestrator is exercised against genuine posteriors. Like the vote handler
/// in front of the real activities, a vote is routed when it is recorded (by the handler's own
/// settings) and the item's stored state changes then.
/// </summary>
/// <param name="handlerRouting">The routing the vote handler applies; null leaves routing to the workflow.</param>
internal sealed class CrowdItemFake(RoutingSettings? handlerRouting = null)
{
    private readonly object _gate = new();
    private readonly OnlineDawidSkene _model = new(["spam", "ham"]);
    private readonly HashSet<string> _leasesSeen = new(StringComparer.Ordinal);

    public ItemState State { get; private set; } = ItemState.Collecting;

    public int CrowdVotes { get; private set; }

    public int CrowdLabels { get; private set; }

    public int ReturnedToPool;

    /// <summary>Calls of the observe-vote activity (a redelivered event should not make one).</summary>
    public int Observations;

    public ConcurrentQueue<CompleteItemInput> Completions { get; } = new();

    /// <summary>Calls of each activity still to fail (a store blip), by activity name; each failing call takes one.</summary>
    public ConcurrentDictionary<string, int> FailuresToCome { get; } = new(StringComparer.Ordinal);

    /// <summary>Activity calls that failed because of <see cref="FailuresToCome"/>.</summary>
    public int Failed;

    private void FailIfDue(string activity)
    {
        if (FailuresToCome.TryGetValue(activity, out var left) && left > 0 && FailuresToCome.TryUpdate(activity, left - 1, left))
        {
            Interlocked.Increment(ref Failed);
            throw new IOException($"{activity}: the store did not answer (injected).");
        }
    }

    public void Register(DurableTaskRegistry tasks)
    {
        tasks.AddActivityFunc<ItemReference, CrowdObservation>(CollectVotesActivities.OpenForCrowd, (_, item) =>
        {
            FailIfDue(CollectVotesActivities.OpenForCrowd);
            return Observe(item.ItemId);
        });
        tasks.AddActivityFunc<ItemReference, CrowdObservation>(CollectVotesActivities.ReturnToPool, (_, item) =>
        {
            FailIfDue(CollectVotesActivities.ReturnToPool);
            Interlocked.Increment(ref ReturnedToPool);
            return Observe(item.ItemId);
        });
        tasks.AddActivityFunc<ObserveVoteInput, CrowdObservation>(CollectVotesActivities.ObserveVote, (_, input) =>
        {
            FailIfDue(CollectVotesActivities.ObserveVote);
            Interlocked.Increment(ref Observations);
            return Vote(input);
        });
        tasks.AddActivityFunc<CompleteItemInput, bool>(CollectVotesActivities.Complete, (_, input) =>
        {
            FailIfDue(CollectVotesActivities.Complete);
            lock (_gate)
            {
                // Like the Functions activity, it does not undo what the vote handler stored.
                if (State == ItemState.Collecting)
                {
                    State = input.Decision.NextState;
                }
            }

            Completions.Enqueue(input);
            return true;
        });
    }

    public void Decide() => State = ItemState.Decided;

    private CrowdObservation Vote(ObserveVoteInput input)
    {
        lock (_gate)
        {
            // Idempotent per lease: a redelivered event or a retried activity does not count twice.
            if (_leasesSeen.Add(input.Vote.LeaseId))
            {
                CrowdVotes++;
                if (input.Vote.Label is { } label)
                {
                    CrowdLabels++;
                    _model.Observe(input.Item.ItemId, input.Vote.WorkerId, label);
                }

                if (handlerRouting is not null && State == ItemState.Collecting)
                {
                    var decision = new DynamicOverlapPolicy(handlerRouting).Next(
                        new RoutingSnapshot(State, false, CrowdVotes, CrowdLabels, CrowdVotes),
                        new CrowdVoteRecorded(_model.Posterior(input.Item.ItemId)));
                    if (decision.Step is RoutingStep.Decide or RoutingStep.SendToReview) State = decision.NextState;
                }
            }

            return Observe(input.Item.ItemId);
        }
    }

    private CrowdObservation Observe(string itemId)
    {
        lock (_gate)
        {
            return new CrowdObservation(State, false, CrowdVotes, CrowdLabels, CrowdVotes, _model.Posterior(itemId));
        }
    }
}
