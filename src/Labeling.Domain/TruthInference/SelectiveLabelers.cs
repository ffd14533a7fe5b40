namespace Labeling.Domain.TruthInference;

/// <summary>
/// Which labelers are selective (<see cref="OnlineDawidSkeneOptions.SelectivePrefixes"/>,
/// <see cref="CommunityDawidSkeneOptions.SelectivePrefixes"/>): those whose id starts with one of the prefixes.
/// </summary>
/// <remarks>
/// <para>A selective labeler (a keyword rule) runs on every item of its capability and votes only where it matches. Both
/// models read it by its firing rates P(votes l | t) and its silence 1 − Σ_l P(votes l | t) on the items it did not vote
/// on (<see cref="OnlineDawidSkene.Reading"/>), learned only from checked items — those a labeler that is not selective
/// answered, or gold — which are also the items the class prior is learned from; its counts over their class counts
/// are its rates. Read like a worker, from the items it voted on only, both rows of its confusion would tend to
/// "always votes l", so its vote would count for less the more it was checked; and learning from items only rules
/// answered would let rules that fire together confirm one another.</para>
/// </remarks>
public static class SelectiveLabelers
{
    /// <summary>
    /// The share of items a selective labeler with no record is taken to vote on (one pseudo-item's worth). Its per-class
    /// firing rates are drawn towards its pooled rate over every checked item, spread over the classes as the column a
    /// labeler with no record is read by (so a vote of one without a record reads as a new worker's), the rest being its
    /// silence, the same for every class (so it says nothing until the rates differ); that prior weighs the prior
    /// strength, in items.
    /// </summary>
    internal const double PriorFiringRate = 0.5;

    /// <summary>Whether <paramref name="labeler"/> is selective under <paramref name="prefixes"/>.</summary>
    /// <param name="labeler">The labeler's id.</param>
    /// <param name="prefixes">The selective labelers' id prefixes (ordinal).</param>
    /// <returns>True when the id starts with one of them.</returns>
    public static bool Includes(string labeler, IReadOnlyList<string> prefixes)
    {
        ArgumentNullException.ThrowIfNull(labeler);
        ArgumentNullException.ThrowIfNull(prefixes);
        foreach (var prefix in prefixes)
        {
            if (labeler.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }

        return false;
    }
}
