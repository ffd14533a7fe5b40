namespace Labeling.Domain.TruthInference;

/// <summary>Settings of <see cref="Glad"/>. Priors follow Crowd-Kit's <c>GLAD</c>.</summary>
public sealed record GladOptions
{
    /// <summary>EM iterations at most. Default 100 (Crowd-Kit's <c>n_iter</c>).</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>
    /// Stop when the log-posterior per answer changes by less than this. Default 1e-6.
    /// </summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>
    /// Rounds of block-Newton updates (all abilities, then all difficulties) per M-step. Default 3:
    /// EM only needs the M-step to improve its objective, and the next E-step moves the target anyway.
    /// </summary>
    public int MStepRounds { get; init; } = 3;

    /// <summary>Mean of the Gaussian prior on each ability α_w (variance 1). Default 1.</summary>
    public double AbilityPriorMean { get; init; } = 1.0;

    /// <summary>Mean of the Gaussian prior on each log inverse difficulty b_i = log β_i (variance 1). Default 1.</summary>
    public double LogInverseDifficultyPriorMean { get; init; } = 1.0;

    /// <summary>Throws with a message naming the bad setting.</summary>
    public void Validate()
    {
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "Run at least one iteration.");
        if (!(Tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "Tolerance must be zero or positive.");
        if (MStepRounds < 1) throw new ArgumentOutOfRangeException(nameof(MStepRounds), MStepRounds, "Run at least one M-step round.");
        if (!double.IsFinite(AbilityPriorMean)) throw new ArgumentOutOfRangeException(nameof(AbilityPriorMean), AbilityPriorMean, "The ability prior mean must be a finite number.");
        if (!double.IsFinite(LogInverseDifficultyPriorMean)) throw new ArgumentOutOfRangeException(nameof(LogInverseDifficultyPriorMean), LogInverseDifficultyPriorMean, "The difficulty prior mean must be a finite number.");
    }
}
