using Labeling.Bench.Datasets;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Evaluation;

/// <summary>
/// Accuracy against truth.csv. The denominator is every truth row: an item the method could not
/// label (no answers, or unknown to answers.csv) counts as wrong, and so does a true label that no
/// answer uses, since no method can predict it.
/// </summary>
internal static class AccuracyScorer
{
    /// <summary>The share of truth rows whose item was predicted with the true label.</summary>
    public static double Accuracy(InferenceResult result, IReadOnlyList<TruthRow> truth)
    {
        if (truth.Count == 0) return double.NaN;
        var correct = 0;
        foreach (var row in truth)
        {
            var item = result.Data.IndexOfItem(row.Item);
            if (item < 0 || result.Data.AnswersOnItem(item) == 0) continue;
            if (string.Equals(result.PredictedLabel(item), row.Label, StringComparison.Ordinal)) correct++;
        }
        return (double)correct / truth.Count;
    }
}
