namespace Labeling.Domain.Routing;

/// <summary>A reviewer chose the label of an item that needed review.</summary>
/// <param name="LabelIndex">The chosen label's index in the schema.</param>
public sealed record ReviewerResolved(int LabelIndex) : RoutingEvent;
