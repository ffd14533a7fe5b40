using System.Globalization;
using Labeling.Bench.Reporting;

namespace Labeling.Bench.Replay;

/// <summary>
/// The runs of a repeated replay (<c>--runs N</c>), data set by data set: the spread of accuracy, and how many runs
/// meet the replay target of issue 3 — accuracy within <see cref="AccuracyMargin"/> of batch Dawid–Skene on every
/// recorded vote, with at least <see cref="MinimumSaved"/> of the recorded votes saved.
/// </summary>
internal static class ReplaySummary
{
    /// <summary>How far below batch DS on every recorded vote a run may score: one point.</summary>
    public const double AccuracyMargin = 0.01;

    /// <summary>The share of recorded votes a run must save: 30 %.</summary>
    public const double MinimumSaved = 0.30;

    // Accuracies are shares of whole items; this absorbs the rounding of a share that sits exactly on the line.
    private const double Slack = 1e-9;

    /// <summary>Whether <paramref name="row"/> scores within <see cref="AccuracyMargin"/> of its reference.</summary>
    public static bool WithinMargin(ReplayRow row) => row.Accuracy >= row.ReferenceAccuracy - AccuracyMargin - Slack;

    /// <summary>Whether <paramref name="row"/> saved at least <see cref="MinimumSaved"/> of the recorded votes.</summary>
    public static bool SavedEnough(ReplayRow row) => row.Saved >= MinimumSaved - Slack;

    /// <summary>One line per data set: each element of <paramref name="byDataset"/> is one data set's runs.</summary>
    public static IReadOnlyList<string> Lines(IEnumerable<IReadOnlyList<ReplayRow>> byDataset) =>
        byDataset.Where(runs => runs.Count > 0).Select(runs => Line(runs[0].Dataset, runs)).ToList();

    private static string Line(string dataset, IReadOnlyList<ReplayRow> runs)
    {
        var accuracies = runs.Select(r => r.Accuracy).ToList();
        var mean = accuracies.Average();
        var sd = runs.Count < 2 ? 0 : Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / (runs.Count - 1));
        var reference = runs[0].ReferenceAccuracy;
        var within = runs.Count(WithinMargin);
        var saved = runs.Count(SavedEnough);
        var both = runs.Count(r => WithinMargin(r) && SavedEnough(r));
        return string.Create(CultureInfo.InvariantCulture,
            $"{dataset}: {runs.Count} runs: accuracy mean {Figures.Accuracy(mean)}, sd {Figures.Accuracy(sd)}, {Figures.Accuracy(accuracies.Min())}–{Figures.Accuracy(accuracies.Max())}; " +
            $"batch DS on all {runs[0].VotesRecorded} recorded votes {Figures.Accuracy(reference)}, within {AccuracyMargin * 100:0.#} point (at least {Figures.Accuracy(reference - AccuracyMargin)}) in {within} of {runs.Count}; " +
            $"votes saved {runs.Min(r => r.Saved) * 100:F1}–{runs.Max(r => r.Saved) * 100:F1} %, at least {MinimumSaved * 100:0.#} % in {saved} of {runs.Count}; both in {both} of {runs.Count}.");
    }
}
