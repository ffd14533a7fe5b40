namespace Labeling.Domain.TruthInference;

/// <summary>
/// Majority vote: each item takes the label most of its answers give.
/// </summary>
/// <remarks>
/// Posterior(i, k) = n_ik / Σ_k n_ik, where n_ik counts answers of label k on item i; an item
/// without answers gets the uniform distribution. Ties are broken deterministically toward the
/// lower label index (labels in sorted order) and reported in <see cref="InferenceResult.TiedItems"/>,
/// as Crowd-Kit does (its most probable label is pandas' <c>idxmax</c>, the first of the sorted
/// labels). That rule is not neutral on sets whose crowd over-answers high labels: on web and rte it
/// gets more tied items right than a coin would (docs/benchmarks.md, "Truth inference, batch").
/// </remarks>
public sealed class MajorityVote : ITruthInference
{
    /// <inheritdoc />
    public string Name => "mv";

    /// <inheritdoc />
    public InferenceResult Fit(AnswerMatrix data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var posteriors = Probability.VoteShares(data);
        var priors = Probability.ClassShares(posteriors, data.ItemCount, data.ClassCount);
        return new InferenceResult(Name, data, posteriors, priors, iterations: 1);
    }
}
