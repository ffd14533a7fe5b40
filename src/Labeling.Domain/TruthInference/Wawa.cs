namespace Labeling.Domain.TruthInference;

/// <summary>
/// Worker Agreement With Aggregate (Wawa): majority vote, then each labeler weighted by how often
/// they agree with it, then a weighted majority vote.
/// </summary>
/// <remarks>
/// <para>Model (as Crowd-Kit's <c>Wawa</c>; the heuristic is Appen's "worker agreement with
/// aggregate"): let m_i = argmax_k n_ik be the majority-vote label of item i (ties toward the lower
/// label index, see <see cref="MajorityVote"/>). Labeler w's skill is their agreement with it,
/// s_w = |{(i, l) ∈ answers(w) : l = m_i}| / |answers(w)|, and the posterior is the weighted vote
/// Posterior(i, k) = Σ_{(w,l) ∈ answers(i), l = k} s_w / Σ_{(w,l) ∈ answers(i)} s_w.</para>
/// <para>An item whose every labeler has skill 0 (or that has no answers) gets the uniform
/// distribution and is reported as tied: no trusted evidence speaks for any label. A labeler who
/// only abstained has skill 0. Cost: two passes over the answers, O(answers + items × K).</para>
/// </remarks>
public sealed class Wawa : ITruthInference
{
    /// <inheritdoc />
    public string Name => "wawa";

    /// <inheritdoc />
    public InferenceResult Fit(AnswerMatrix data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var k = data.ClassCount;
        var majority = Probability.VoteShares(data);
        var skills = new double[data.WorkerCount];
        if (k == 0 || data.AnswerCount == 0)
            return new InferenceResult(Name, data, majority, Probability.ClassShares(majority, data.ItemCount, k), workerSkills: skills, iterations: 0);

        var majorityLabel = new int[data.ItemCount];
        for (var i = 0; i < data.ItemCount; i++) majorityLabel[i] = InferenceResult.ArgMax(majority.AsSpan(i * k, k));

        var offsets = data.WorkerOffsets;
        var positions = data.WorkerAnswers;
        var answerItem = data.AnswerItem;
        var answerLabel = data.AnswerLabel;
        for (var w = 0; w < data.WorkerCount; w++)
        {
            var agreed = 0;
            for (var n = offsets[w]; n < offsets[w + 1]; n++)
            {
                var p = positions[n];
                if (answerLabel[p] == majorityLabel[answerItem[p]]) agreed++;
            }
            var answered = offsets[w + 1] - offsets[w];
            skills[w] = answered == 0 ? 0.0 : (double)agreed / answered;
        }

        var posteriors = Probability.VoteShares(data, skills);
        var priors = Probability.ClassShares(posteriors, data.ItemCount, k);
        return new InferenceResult(Name, data, posteriors, priors, workerSkills: skills, iterations: 2);
    }
}
