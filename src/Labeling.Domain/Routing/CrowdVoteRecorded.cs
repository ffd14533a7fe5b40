namespace Labeling.Domain.Routing;

/// <summary>A crowd worker answered (or said "unsure"); the snapshot already counts the response.</summary>
/// <param name="Posterior">The item's stopping posterior after the vote (<see cref="StoppingPosterior"/>); null when it has no label votes yet.</param>
public sealed record CrowdVoteRecorded(IReadOnlyList<double>? Posterior) : RoutingEvent;
