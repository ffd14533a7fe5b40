using Labeling.Domain.Labelers;

namespace Labeling.Domain.Routing;

/// <summary>Decides whether machine labelers have earned the right to auto-accept.</summary>
/// <remarks>
/// The truth model's own statistics are not the test: it learns a rule's rates from the posteriors of the checked items,
/// which the rule's own vote helped form, and a rule's reading moves with the class prior (README, Known limits).
/// Trust comes only from checked votes — votes on items whose label came from the crowd, gold or a reviewer
/// (<see cref="MachineTrack"/>) — counted as agreeing or not with that label.
/// </remarks>
public static class MachineTrust
{
    /// <summary>Whether one machine labeler is trusted under the settings.</summary>
    /// <param name="track">Its track record; null when it has none.</param>
    /// <param name="settings">The project's thresholds.</param>
    /// <returns>True when it has enough checked votes with enough agreement.</returns>
    public static bool IsTrusted(MachineTrack? track, RoutingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return track is not null
            && track.Checked >= settings.TrustMinimumChecked
            && track.Checked > 0
            && track.Accuracy >= settings.TrustMinimumAccuracy;
    }

    /// <summary>Whether some trusted machine labeler voted for <paramref name="label"/>.</summary>
    /// <param name="machineVotes">Machine votes on the item: labeler id and label.</param>
    /// <param name="label">The label the posterior favours.</param>
    /// <param name="tracks">Track records by labeler id.</param>
    /// <param name="settings">The project's thresholds.</param>
    /// <returns>True when at least one trusted labeler supports the label.</returns>
    public static bool Supports(
        IEnumerable<(string LabelerId, string Label)> machineVotes,
        string? label,
        IReadOnlyDictionary<string, MachineTrack> tracks,
        RoutingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(machineVotes);
        ArgumentNullException.ThrowIfNull(tracks);
        return label is not null && machineVotes.Any(v =>
            string.Equals(v.Label, label, StringComparison.Ordinal)
            && IsTrusted(tracks.GetValueOrDefault(v.LabelerId), settings));
    }
}
