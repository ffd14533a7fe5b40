namespace Labeling.Domain.Routing;

/// <summary>A worker's lease on the item ran out without a vote; the item goes back to the pool.</summary>
public sealed record LeaseExpired : RoutingEvent;
