using Labeling.Application.Export;
using Labeling.Application.Items;
using Labeling.Domain.Items;

namespace Labeling.Bench.Replay;

/// <summary>
/// Accuracy of a replayed project against truth.csv. Decided items count with their exported
/// label; items still collecting or in review count with the most likely label of their stored
/// posterior (ties: the earlier label in schema order) and as wrong when they have none. The
/// denominator is every truth row, as in <c>inference</c>.
/// </summary>
/// <param name="Accuracy">Share of truth rows predicted right.</param>
/// <param name="Decided">Items decided.</param>
/// <param name="NeedsReview">Items in review.</param>
/// <param name="Collecting">Items still collecting.</param>
/// <param name="ScoredUndecided">Truth rows scored by an undecided item's most likely label.</param>
/// <param name="Unlabeled">Truth rows whose item has no label and no posterior (counted wrong).</param>
internal sealed record ReplayScore(double Accuracy, int Decided, int NeedsReview, int Collecting, int ScoredUndecided, int Unlabeled)
{
    /// <summary>Scores <paramref name="project"/> from its export and its item list.</summary>
    public static ReplayScore Of(ReplayProject project, IReadOnlyList<ExportRow> export, IReadOnlyList<ItemView> items)
    {
        var crowd = project.Crowd;
        var decided = export.ToDictionary(r => r.ItemId, r => r.Label, StringComparer.Ordinal);
        var predicted = new string?[crowd.Items.Count];
        var undecided = new bool[crowd.Items.Count];
        int decidedCount = 0, review = 0, collecting = 0;
        foreach (var view in items)
        {
            var item = project.ItemOf(view.Id);
            if (decided.TryGetValue(view.Id, out var label)) predicted[item] = label;
            else
            {
                predicted[item] = MostLikely(view.Posterior, crowd.Labels);
                undecided[item] = true;
            }
            if (view.State == ItemState.Decided) decidedCount++;
            else if (view.State == ItemState.NeedsReview) review++;
            else if (view.State == ItemState.Collecting) collecting++;
        }

        int correct = 0, byPosterior = 0, unlabeled = 0;
        var truth = crowd.Dataset.Truth;
        foreach (var row in truth)
        {
            var item = crowd.IndexOfItem(row.Item);
            if (item < 0) continue;
            if (predicted[item] is null) unlabeled++;
            else if (undecided[item]) byPosterior++;
            if (string.Equals(predicted[item], row.Label, StringComparison.Ordinal)) correct++;
        }
        return new ReplayScore(truth.Count == 0 ? double.NaN : (double)correct / truth.Count, decidedCount, review, collecting, byPosterior, unlabeled);
    }

    private static string? MostLikely(IReadOnlyDictionary<string, double>? posterior, IReadOnlyList<string> labels)
    {
        if (posterior is null) return null;
        string? best = null;
        var bestP = double.NegativeInfinity;
        foreach (var label in labels)
        {
            if (posterior.TryGetValue(label, out var p) && p > bestP)
            {
                best = label;
                bestP = p;
            }
        }
        return best;
    }
}
