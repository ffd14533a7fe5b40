namespace Labeling.Domain.Routing;

/// <summary>
/// Nobody is left to ask for a collecting item: every worker who could be offered it has answered it, and no crowd
/// vote has reached it for a while. It happens to crowds smaller than <see cref="RoutingSettings.MaxCrowdVotes"/>,
/// where an item all of them answered without reaching the target would otherwise wait in the pool for good.
/// </summary>
/// <param name="Posterior">The item's posterior in schema order (a gold item's is its known label); null for none.</param>
/// <param name="Workers">How many workers could be offered the item, all of whom have answered it.</param>
public sealed record CrowdExhausted(IReadOnlyList<double>? Posterior, int Workers) : RoutingEvent;
