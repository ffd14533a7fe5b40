namespace Labeling.Domain.TruthInference;

/// <summary>Settings of <see cref="DawidSkene"/>. Defaults reproduce the classic model.</summary>
public sealed record DawidSkeneOptions
{
    /// <summary>EM iterations at most. Default 100.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>Stop when the objective changes by less than this (relative to its size). Default 1e-7.</summary>
    public double Tolerance { get; init; } = 1e-7;

    /// <summary>
    /// Dirichlet pseudo-count added to each diagonal cell of every confusion row (prior belief
    /// that labelers tend to be right). Default 0.01: almost none, like the original model.
    /// </summary>
    public double DiagonalPseudoCount { get; init; } = 0.01;

    /// <summary>Dirichlet pseudo-count added to each off-diagonal cell. Default 0.01.</summary>
    public double OffDiagonalPseudoCount { get; init; } = 0.01;

    /// <summary>Dirichlet pseudo-count per class of the class distribution. Default 0.01.</summary>
    public double ClassPseudoCount { get; init; } = 0.01;

    /// <summary>
    /// Strength of the shared prior: each worker's confusion row gets this many pseudo-answers
    /// spread like the pooled confusion row of all workers (re-estimated every iteration). 0 turns
    /// pooling off (the classic model). Pooling shares strength between workers, so a worker
    /// with few answers is judged like the crowd until their own evidence says otherwise.
    /// </summary>
    public double PooledPseudoCount { get; init; }

    /// <summary>Throws with a message naming the bad setting.</summary>
    public void Validate()
    {
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "Run at least one iteration.");
        if (!(Tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "Tolerance must be zero or positive.");
        if (!(DiagonalPseudoCount >= 0) || !(OffDiagonalPseudoCount >= 0) || !(ClassPseudoCount >= 0) || !(PooledPseudoCount >= 0))
            throw new ArgumentOutOfRangeException(nameof(DiagonalPseudoCount), "Pseudo-counts must be zero or positive.");
    }
}
