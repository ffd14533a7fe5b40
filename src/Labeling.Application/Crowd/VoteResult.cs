using Labeling.Domain.Items;

namespace Labeling.Application.Crowd;

/// <summary>What a vote did to its item.</summary>
/// <param name="LeaseId">The lease voted with.</param>
/// <param name="ItemId">The item.</param>
/// <param name="Vote">The recorded label, or null for an abstention.</param>
/// <param name="State">The item's state after the vote.</param>
/// <param name="Label">The decided label, once decided.</param>
/// <param name="Confidence">The decided label's probability, once decided.</param>
/// <param name="Posterior">The item's posterior by label, after the vote.</param>
/// <param name="CrowdVotes">Crowd responses on the item so far.</param>
/// <param name="Reason">Why the item is where it is.</param>
public sealed record VoteResult(
    string LeaseId,
    string ItemId,
    string? Vote,
    ItemState State,
    string? Label,
    double? Confidence,
    IReadOnlyDictionary<string, double>? Posterior,
    int CrowdVotes,
    string? Reason);
