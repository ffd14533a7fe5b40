namespace Labeling.Domain.TruthInference;

/// <summary>
/// The two halves of EM shared by the confusion-matrix models (<see cref="DawidSkene"/>,
/// <see cref="CommunityDawidSkene"/>): expected counts from posteriors, and the E-step from
/// log-confusions.
/// </summary>
internal static class ConfusionEm
{
    /// <summary>
    /// C_w[t,l] = Σ_{i:(w,l)} T_it, row-major per worker at [(w·K + t)·K + l]. With <paramref name="selective"/> and
    /// <paramref name="checkedItems"/>, a selective worker's answers count only on checked items.
    /// </summary>
    public static void AccumulateCounts(AnswerMatrix data, double[] posteriors, double[] counts, bool[]? selective = null, bool[]? checkedItems = null)
    {
        var k = data.ClassCount;
        Array.Clear(counts);
        var answerItem = data.AnswerItem;
        var answerWorker = data.AnswerWorker;
        var answerLabel = data.AnswerLabel;
        for (var p = 0; p < answerLabel.Length; p++)
        {
            if (selective is not null && checkedItems is not null && selective[answerWorker[p]] && !checkedItems[answerItem[p]]) continue;
            var post = posteriors.AsSpan(answerItem[p] * k, k);
            var baseIndex = (answerWorker[p] * k * k) + answerLabel[p];
            for (var t = 0; t < k; t++) counts[baseIndex + (t * k)] += post[t];
        }
    }

    /// <summary>
    /// log T_it = log π_t + Σ_{(w,l) ∈ answers(i)} log θ_w[t,l] − log Z_i, in place; returns Σ_i log Z_i.
    /// <paramref name="logTheta"/> is transposed to [(w·K + l)·K + t] so each answer adds one
    /// contiguous row.
    /// </summary>
    public static double EStep(AnswerMatrix data, double[] posteriors, double[] logTheta, double[] logPrior)
    {
        var k = data.ClassCount;
        var offsets = data.ItemOffsets;
        var answerWorker = data.AnswerWorker;
        var answerLabel = data.AnswerLabel;
        var objective = 0.0;
        for (var i = 0; i < data.ItemCount; i++)
        {
            var row = posteriors.AsSpan(i * k, k);
            logPrior.CopyTo(row);
            for (var p = offsets[i]; p < offsets[i + 1]; p++)
            {
                var theta = logTheta.AsSpan(((answerWorker[p] * k) + answerLabel[p]) * k, k);
                for (var t = 0; t < k; t++) row[t] += theta[t];
            }
            objective += Probability.NormalizeLog(row);
        }
        return objective;
    }
}
