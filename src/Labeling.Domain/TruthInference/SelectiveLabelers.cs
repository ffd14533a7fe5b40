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

    /// <summary>
    /// A selective labeler's firing rate over every checked item whatever its class, ρ = (Σ_t min(C_t, N_t) + f) / (Σ N + 1)
    /// with f = <see cref="PriorFiringRate"/>, C_t its counts' row sums and N_t the checked items' class counts: the rate
    /// its per-class rates are drawn towards, so that a class with few checked items reads about as often silent as the
    /// others rather than as the prior guesses. A row beyond its class's checked items (a data folder from before, or a
    /// re-fit's posteriors) counts as that class's checked items, so ρ stays below one and the silence above zero.
    /// </summary>
    internal static double PooledRate(ReadOnlySpan<double> classCounts, ReadOnlySpan<double> rowSums)
    {
        double fired = 0.0, total = 0.0;
        for (var t = 0; t < classCounts.Length; t++)
        {
            fired += Math.Min(rowSums[t], classCounts[t]);
            total += classCounts[t];
        }
        return (fired + PriorFiringRate) / (total + 1.0);
    }

    /// <summary>
    /// P(votes l | t) = (C[t, l] + s·ρ·P[t, l]) / (N_t + s), from its count C[t, l], the row's sum C_t, the class count N_t,
    /// the prior strength s, its <see cref="PooledRate"/> ρ and the column P[·, l] a labeler with no record is read by. A row
    /// beyond N_t is scaled down to it: read as firing on every checked item of the class, not at a rate above one.
    /// </summary>
    internal static double FiringRate(double count, double rowSum, double classCount, double strength, double pooled, double prior)
    {
        if (rowSum > classCount) count *= classCount / rowSum;
        return (count + (strength * pooled * prior)) / (classCount + strength);
    }

    /// <summary>
    /// P(no vote | t) = 1 − Σ_l P(votes l | t) = (N_t − C_t + s·(1 − ρ)) / (N_t + s) (the prior columns' rows sum to one),
    /// the same for every class when it has no record.
    /// </summary>
    internal static double Silence(double rowSum, double classCount, double strength, double pooled) =>
        (Math.Max(0, classCount - rowSum) + (strength * (1 - pooled))) / (classCount + strength);

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
