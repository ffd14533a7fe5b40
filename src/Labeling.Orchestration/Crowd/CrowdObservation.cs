using Labeling.Domain.Items;
using Labeling.Domain.Routing;

namespace Labeling.Orchestration.Crowd;

/// <summary>
/// What an activity read or computed about an item: everything the routing policy needs, so the
/// orchestrator can decide without I/O.
/// </summary>
/// <param name="State">The item's stored state.</param>
/// <param name="IsGold">Whether the item is gold.</param>
/// <param name="CrowdVotes">Crowd responses, abstentions included.</param>
/// <param name="CrowdLabels">Crowd responses that chose a label.</param>
/// <param name="ProjectCrowdVotes">Crowd responses the project has used (for the budget).</param>
/// <param name="Posterior">The item's posterior in schema order; null before any label vote.</param>
public sealed record CrowdObservation(
    ItemState State,
    bool IsGold,
    int CrowdVotes,
    int CrowdLabels,
    long ProjectCrowdVotes,
    double[]? Posterior)
{
    /// <summary>The policy's view of the item.</summary>
    /// <returns>The snapshot.</returns>
    public RoutingSnapshot ToSnapshot() => new(State, IsGold, CrowdVotes, CrowdLabels, ProjectCrowdVotes);
}
