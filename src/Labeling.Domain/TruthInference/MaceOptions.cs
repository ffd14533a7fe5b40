namespace Labeling.Domain.TruthInference;

/// <summary>Settings of <see cref="Mace"/>. Defaults follow Crowd-Kit's <c>MACE</c> (variational Bayes).</summary>
public sealed record MaceOptions
{
    /// <summary>Random restarts; the one with the highest marginal log-likelihood is kept. Default 10.</summary>
    public int Restarts { get; init; } = 10;

    /// <summary>Variational EM iterations per restart at most. Default 50 (Crowd-Kit's <c>n_iter</c>).</summary>
    public int MaxIterations { get; init; } = 50;

    /// <summary>
    /// Stop a restart early when its log-likelihood per answer changes by less than this. Default
    /// 1e-7; 0 always runs <see cref="MaxIterations"/> (as Crowd-Kit does).
    /// </summary>
    public double Tolerance { get; init; } = 1e-7;

    /// <summary>Seed of the random initial parameters; the same seed gives the same result. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Spread of the random initial parameters: every initial weight is drawn uniformly from
    /// [1, 2 + DefaultNoise] and then normalised. Default 0.5 (Crowd-Kit's <c>default_noise</c>).
    /// </summary>
    public double DefaultNoise { get; init; } = 0.5;

    /// <summary>Beta prior pseudo-count of "spamming" (Crowd-Kit's <c>alpha</c>). Default 0.5.</summary>
    public double SpammingPriorCount { get; init; } = 0.5;

    /// <summary>Beta prior pseudo-count of "knowing the truth" (Crowd-Kit's <c>beta</c>). Default 0.5.</summary>
    public double KnowingPriorCount { get; init; } = 0.5;

    /// <summary>Symmetric Dirichlet pseudo-count of each label in a spammer's strategy ξ_w. Default 10, as Crowd-Kit.</summary>
    public double StrategyPriorCount { get; init; } = 10.0;

    /// <summary>
    /// Dirichlet pseudo-count per class of the learned class distribution π, or null to keep π
    /// uniform as the original model does. Default 1. With a uniform π the model explains a
    /// dominant class as spam: on the imbalanced <c>product</c> set (88% one class) it falls to
    /// 0.82 accuracy, below majority vote, while a learned π gives 0.93.
    /// </summary>
    public double? ClassPriorCount { get; init; } = 1.0;

    /// <summary>Throws with a message naming the bad setting.</summary>
    public void Validate()
    {
        if (Restarts < 1) throw new ArgumentOutOfRangeException(nameof(Restarts), Restarts, "Run at least one restart.");
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "Run at least one iteration.");
        if (!(Tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "Tolerance must be zero or positive.");
        if (!(DefaultNoise >= 0) || !double.IsFinite(DefaultNoise)) throw new ArgumentOutOfRangeException(nameof(DefaultNoise), DefaultNoise, "DefaultNoise must be a finite number, zero or positive.");
        if (ClassPriorCount is { } c && !(c >= 0)) throw new ArgumentOutOfRangeException(nameof(ClassPriorCount), c, "ClassPriorCount must be zero or positive, or null for a uniform class distribution.");
        if (!(SpammingPriorCount > 0) || !(KnowingPriorCount > 0) || !(StrategyPriorCount > 0))
            throw new ArgumentOutOfRangeException(nameof(StrategyPriorCount), "Prior pseudo-counts must be positive: variational Bayes takes digamma of them.");
    }
}
