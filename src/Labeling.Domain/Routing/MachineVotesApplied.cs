namespace Labeling.Domain.Routing;

/// <summary>The machine labelers have voted on a newly ingested item.</summary>
/// <param name="Posterior">The item's posterior after their votes; null when every machine abstained.</param>
/// <param name="TrustedSupport">Whether a trusted machine labeler voted for the most probable label.</param>
public sealed record MachineVotesApplied(IReadOnlyList<double>? Posterior, bool TrustedSupport) : RoutingEvent;
