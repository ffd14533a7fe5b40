namespace Labeling.Domain.TruthInference;

/// <summary>Settings of <see cref="OneCoinDawidSkene"/>. Defaults follow Crowd-Kit's <c>OneCoinDawidSkene</c>.</summary>
public sealed record OneCoinDawidSkeneOptions
{
    /// <summary>EM iterations at most. Default 100.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>
    /// Stop when the marginal log-likelihood per answer changes by less than this. Default 1e-5
    /// (Crowd-Kit's <c>tol</c>, which it also measures per answer).
    /// </summary>
    public double Tolerance { get; init; } = 1e-5;

    /// <summary>
    /// Accuracies are clipped to [<c>SkillClip</c>, 1 − <c>SkillClip</c>] so that no answer is
    /// ever impossible under the model (log 0). Default 1e-10, as Crowd-Kit.
    /// </summary>
    public double SkillClip { get; init; } = 1e-10;

    /// <summary>Throws with a message naming the bad setting.</summary>
    public void Validate()
    {
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "Run at least one iteration.");
        if (!(Tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "Tolerance must be zero or positive.");
        if (!(SkillClip > 0 && SkillClip < 0.5)) throw new ArgumentOutOfRangeException(nameof(SkillClip), SkillClip, "SkillClip must lie in (0, 0.5); use a tiny value such as 1e-10.");
    }
}
