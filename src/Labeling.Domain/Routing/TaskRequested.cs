namespace Labeling.Domain.Routing;

/// <summary>A worker asked for a task and this item is the candidate; the policy may retire it if the budget is spent.</summary>
public sealed record TaskRequested : RoutingEvent;
