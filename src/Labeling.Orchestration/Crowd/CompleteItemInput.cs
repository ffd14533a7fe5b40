using Labeling.Domain.Routing;

namespace Labeling.Orchestration.Crowd;

/// <summary>Input of the activity that finishes an item's crowd workflow.</summary>
/// <param name="Item">The item.</param>
/// <param name="Decision">The policy's final step (decide or send to review).</param>
/// <param name="Observation">What the decision was based on.</param>
public sealed record CompleteItemInput(ItemReference Item, RoutingDecision Decision, CrowdObservation Observation);
