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
    /// <summary>
    /// The truth rows by the state their item ended in, each with how many the replay got right and how many a
    /// reference labeling (batch DS on every recorded vote) gets right on the same items; empty without a reference.
    /// </summary>
    public IReadOnlyList<StateScore> ByState { get; init; } = [];

    /// <summary>Scores <paramref name="project"/> from its export and its item list.</summary>
    /// <param name="project">The replayed project.</param>
    /// <param name="export">The decided items' export.</param>
    /// <param name="items">Every item as listed by the server.</param>
    /// <param name="reference">Optional: a label per data-set item name to compare with, state by state.</param>
    public static ReplayScore Of(ReplayProject project, IReadOnlyList<ExportRow> export, IReadOnlyList<ItemView> items, IReadOnlyDictionary<string, string>? reference = null)
    {
        var crowd = project.Crowd;
        var decided = export.ToDictionary(r => r.ItemId, r => r.Label, StringComparer.Ordinal);
        var predicted = new string?[crowd.Items.Count];
        var undecided = new bool[crowd.Items.Count];
        var states = new ItemState?[crowd.Items.Count];
        int decidedCount = 0, review = 0, collecting = 0;
        foreach (var view in items)
        {
            var item = project.ItemOf(view.Id);
            states[item] = view.State;
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
        var byState = new SortedDictionary<ItemState, (int Items, int Correct, int ReferenceCorrect)>();
        var truth = crowd.Dataset.Truth;
        foreach (var row in truth)
        {
            var item = crowd.IndexOfItem(row.Item);
            if (item < 0) continue;
            if (predicted[item] is null) unlabeled++;
            else if (undecided[item]) byPosterior++;
            var right = string.Equals(predicted[item], row.Label, StringComparison.Ordinal);
            if (right) correct++;
            if (reference is not null && states[item] is { } state)
            {
                var (n, c, r) = byState.GetValueOrDefault(state);
                byState[state] = (n + 1, c + (right ? 1 : 0), r + (string.Equals(reference.GetValueOrDefault(row.Item), row.Label, StringComparison.Ordinal) ? 1 : 0));
            }
        }
        return new ReplayScore(truth.Count == 0 ? double.NaN : (double)correct / truth.Count, decidedCount, review, collecting, byPosterior, unlabeled)
        {
            ByState = byState.Select(kv => new StateScore(kv.Key, kv.Value.Items, kv.Value.Correct, kv.Value.ReferenceCorrect)).ToArray(),
        };
    }

    /// <summary>The most likely label of <paramref name="posterior"/> (ties: the earlier in <paramref name="labels"/>); null without one.</summary>
    internal static string? MostLikely(IReadOnlyDictionary<string, double>? posterior, IReadOnlyList<string> labels)
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

/// <summary>The truth rows whose item ended in one state.</summary>
/// <param name="State">The state.</param>
/// <param name="Items">Truth rows with an item in it.</param>
/// <param name="Correct">Of those, right as the replay scores them.</param>
/// <param name="ReferenceCorrect">Of those, right by the reference labeling.</param>
internal sealed record StateScore(ItemState State, int Items, int Correct, int ReferenceCorrect);
