using Labeling.Domain.Items;

namespace Labeling.Domain.Routing;

/// <summary>What the routing policy knows about an item when an event arrives (after the event's vote is counted).</summary>
/// <param name="State">The item's current state.</param>
/// <param name="IsGold">Whether the item's truth is known.</param>
/// <param name="CrowdVotes">Crowd responses so far, abstentions included.</param>
/// <param name="CrowdLabels">Crowd responses that chose a label.</param>
/// <param name="ProjectCrowdVotes">Crowd responses used by the whole project, for the budget.</param>
public sealed record RoutingSnapshot(ItemState State, bool IsGold, int CrowdVotes, int CrowdLabels, long ProjectCrowdVotes);
