namespace Labeling.Domain.TruthInference;

/// <summary>Settings of <see cref="OnlineDawidSkene"/>.</summary>
public sealed record OnlineDawidSkeneOptions
{
    /// <summary>
    /// Dirichlet pseudo-count on each diagonal cell of a labeler's confusion row: what a labeler
    /// with no history is assumed to be. Default 2 (with the off-diagonal default, a new labeler
    /// starts somewhat better than chance and moves quickly with evidence).
    /// </summary>
    public double DiagonalPseudoCount { get; init; } = 2.0;

    /// <summary>Dirichlet pseudo-count on each off-diagonal cell. Default 0.5.</summary>
    public double OffDiagonalPseudoCount { get; init; } = 0.5;

    /// <summary>Dirichlet pseudo-count per class of the class distribution. Default 1.</summary>
    public double ClassPseudoCount { get; init; } = 1.0;

    /// <summary>
    /// Pseudo-answers per confusion row spread like the pooled confusion of all labelers of the
    /// same capability (the shared prior of <see cref="DawidSkeneOptions.PooledPseudoCount"/>).
    /// Default 2.
    /// </summary>
    public double PooledPseudoCount { get; init; } = 2.0;

    /// <summary>
    /// Half-life of a labeler's evidence: a vote's weight in its labeler's statistics halves
    /// every this long, so reliabilities follow drift. Null (default) keeps all evidence.
    /// </summary>
    public TimeSpan? HalfLife { get; init; }

    /// <summary>Throws with a message naming the bad setting.</summary>
    public void Validate()
    {
        if (!(DiagonalPseudoCount > 0) || !(OffDiagonalPseudoCount > 0))
            throw new ArgumentOutOfRangeException(nameof(DiagonalPseudoCount), "Confusion pseudo-counts must be positive so every probability stays above zero.");
        if (!(ClassPseudoCount > 0)) throw new ArgumentOutOfRangeException(nameof(ClassPseudoCount), ClassPseudoCount, "The class pseudo-count must be positive.");
        if (!(PooledPseudoCount >= 0)) throw new ArgumentOutOfRangeException(nameof(PooledPseudoCount), PooledPseudoCount, "The pooled pseudo-count must be zero or positive.");
        if (HalfLife is { } h && h <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(HalfLife), h, "The half-life must be positive, or null for no decay.");
    }
}
