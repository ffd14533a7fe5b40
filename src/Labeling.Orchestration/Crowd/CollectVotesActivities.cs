namespace Labeling.Orchestration.Crowd;

/// <summary>
/// Names of the activities <see cref="CollectVotesOrchestration"/> calls. Hosts register
/// implementations under these names (Functions: <c>[Function(name)]</c> with an
/// <c>[ActivityTrigger]</c>; tests: <c>AddActivityFunc</c>). Every activity must be idempotent:
/// Durable Functions runs an activity at least once.
/// </summary>
public static class CollectVotesActivities
{
    /// <summary>Makes the item leasable (state collecting) and returns its observation. Input <see cref="ItemReference"/>.</summary>
    public const string OpenForCrowd = "OpenItemForCrowd";

    /// <summary>
    /// The online-inference step for one vote: the item's posterior and counts after the vote.
    /// Input <see cref="ObserveVoteInput"/>, output <see cref="CrowdObservation"/>.
    /// </summary>
    public const string ObserveVote = "ObserveCrowdVote";

    /// <summary>Re-reads the item after a lease ran out (it is back in the pool). Input <see cref="ItemReference"/>.</summary>
    public const string ReturnToPool = "ReturnItemToPool";

    /// <summary>Applies the final step and announces it (<c>label.ready</c> for decisions). Input <see cref="CompleteItemInput"/>.</summary>
    public const string Complete = "CompleteCrowdItem";
}
