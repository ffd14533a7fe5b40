namespace Labeling.Domain.Routing;

/// <summary>A crowd worker answered (or said "unsure"); the snapshot already counts the response.</summary>
/// <param name="Posterior">The item's stopping posterior after the vote (<see cref="StoppingPosterior"/>); null when it has no label votes yet.</param>
/// <param name="ModelPosterior">
/// The model's own posterior after the vote, the one stored and published with the label; null when the caller has only the stopping
/// posterior. The stopping posterior discounts voters with little evidence, so it can favour another label than the model does
/// (new workers outvoted in the model by their community's prior, and not in the stopping posterior); an item is decided only
/// when both favour the same label.
/// </param>
public sealed record CrowdVoteRecorded(IReadOnlyList<double>? Posterior, IReadOnlyList<double>? ModelPosterior = null) : RoutingEvent;
