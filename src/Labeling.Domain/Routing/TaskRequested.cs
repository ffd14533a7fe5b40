namespace Labeling.Domain.Routing;

/// <summary>A worker asked for a task and this item is the candidate; the policy may retire it if the budget is spent.</summary>
/// <param name="KnownLabel">
/// For a gold item, its known label as a posterior (1 on that label), so that a spent budget decides it by that label as a
/// last vote would; null for other items.
/// </param>
public sealed record TaskRequested(IReadOnlyList<double>? KnownLabel = null) : RoutingEvent;
