namespace Labeling.Application.Ports;

/// <summary>An event a destination never accepted within the allowed attempts.</summary>
/// <param name="EventId">The event id.</param>
/// <param name="Destination">The sink's name.</param>
/// <param name="Attempts">How many times delivery was tried.</param>
/// <param name="LastError">The last failure, as the sink reported it.</param>
/// <param name="DeadAt">When delivery was given up.</param>
/// <param name="ProjectId">The event's project (an operator finds what a destination missed without reading the outbox).</param>
/// <param name="ItemId">The item the event announces.</param>
public sealed record DeadLetter(string EventId, string Destination, int Attempts, string LastError, DateTimeOffset DeadAt, string? ProjectId = null, string? ItemId = null);
