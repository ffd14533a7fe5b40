namespace Labeling.Domain.Routing;

/// <summary>Something that happened to an item that may move it: the input of <see cref="DynamicOverlapPolicy"/>.</summary>
public abstract record RoutingEvent;
