using Labeling.Domain.Items;
using Labeling.Domain.Routing;

namespace Labeling.Orchestration.Crowd;

/// <summary>How an item's crowd workflow ended.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="ItemId">The item.</param>
/// <param name="Step">The final step: decide, send to review, or ignore (the item had already left the pool).</param>
/// <param name="State">The item's state at the end.</param>
/// <param name="LabelIndex">The decided label's schema index, when decided.</param>
/// <param name="Confidence">The decided label's posterior, when decided.</param>
/// <param name="DecidedBy">How it was decided, when decided.</param>
/// <param name="Reason">Why, as the policy put it.</param>
/// <param name="VotesObserved">Votes the workflow observed.</param>
/// <param name="LeaseExpirations">Waits that ran out without a vote.</param>
public sealed record CollectVotesResult(
    string ProjectId,
    string ItemId,
    RoutingStep Step,
    ItemState State,
    int? LabelIndex,
    double? Confidence,
    DecidedBy? DecidedBy,
    string Reason,
    int VotesObserved,
    int LeaseExpirations);
