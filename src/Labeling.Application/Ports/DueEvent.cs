namespace Labeling.Application.Ports;

/// <summary>An outbox event due for delivery to one destination.</summary>
/// <param name="Event">The event.</param>
/// <param name="Attempts">Failed attempts so far for this destination.</param>
public sealed record DueEvent(OutboxEvent Event, int Attempts);
