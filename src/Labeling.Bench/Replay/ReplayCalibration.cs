using Labeling.Application.Export;
using Labeling.Application.Items;
using Labeling.Bench.Calibration;
using Labeling.Domain.Items;

namespace Labeling.Bench.Replay;

/// <summary>
/// A replayed project's final labels and confidences joined to truth.csv, for <c>replay --calibration</c>: decided items
/// with the label and confidence of the export (what a consumer reads, and what the item's <c>label.ready</c> said),
/// undecided items with their stored posterior's most likely label and its probability (the label
/// <see cref="ReplayScore"/> scores them with).
/// </summary>
/// <remarks>
/// <para>A decided item's <c>confidence</c> is its label's posterior when it was decided; its exported <c>posterior</c>
/// is the one stored now, which later evidence and the re-fits may have moved. Both are read:
/// <see cref="Report"/> with the confidence, <see cref="PosteriorReport"/> with the posterior of the same label.</para>
/// <para>Items are joined to truth rows through the server item id, which <see cref="ReplayProject"/> maps to the
/// data-set item it uploaded by the item's text (<c>item {id} of {project}</c>). The replay's items have no
/// <c>externalId</c> (the server takes one only from a configured <c>Ingestion:IdColumn</c>), so the export's text is
/// checked against the mapped item instead.</para>
/// </remarks>
/// <param name="Report">The calibration of the items with truth, by the exported confidence.</param>
/// <param name="PosteriorReport">The same items and labels, by the stored posterior of the label.</param>
/// <param name="LeftOut">Truth rows without a confidence: their item has no label and no posterior, or was never uploaded (no answers).</param>
/// <param name="JoinMismatches">Exported items whose text is not the one uploaded for the data-set item they map to (0 unless the join is broken).</param>
internal sealed record ReplayCalibration(CalibrationReport Report, CalibrationReport PosteriorReport, int LeftOut, int JoinMismatches)
{
    /// <summary>Joins <paramref name="export"/> and <paramref name="items"/>, both read after the last re-fit, to truth.</summary>
    /// <param name="project">The replayed project.</param>
    /// <param name="export">The labeled items' export.</param>
    /// <param name="items">Every item as listed by the server.</param>
    public static ReplayCalibration Of(ReplayProject project, IReadOnlyList<ExportRow> export, IReadOnlyList<ItemView> items)
    {
        var crowd = project.Crowd;
        var labels = new string?[crowd.Items.Count];
        var confidences = new double[crowd.Items.Count];
        var posteriors = new double[crowd.Items.Count];
        var groups = new CalibrationGroup[crowd.Items.Count];
        var mismatches = 0;
        var exported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in export)
        {
            var item = project.ItemOf(row.ItemId);
            exported.Add(row.ItemId);
            if (!string.Equals(row.Text, ReplayProject.TextOf(crowd.Items[item], project.Id), StringComparison.Ordinal)) mismatches++;
            labels[item] = row.Label;
            confidences[item] = row.Confidence;
            posteriors[item] = row.Posterior is { } posterior && posterior.TryGetValue(row.Label, out var p) ? p : row.Confidence;
            groups[item] = row.DecidedBy == DecidedBy.Crowd ? CalibrationGroup.Crowd : CalibrationGroup.Other;
        }
        foreach (var view in items)
        {
            if (exported.Contains(view.Id)) continue;
            var item = project.ItemOf(view.Id);
            if (ReplayScore.MostLikely(view.Posterior, crowd.Labels) is not { } label) continue;
            labels[item] = label;
            confidences[item] = posteriors[item] = view.Posterior![label];
            groups[item] = view.State == ItemState.NeedsReview ? CalibrationGroup.Review : CalibrationGroup.Collecting;
        }

        var points = new List<CalibrationPoint>();
        var byPosterior = new List<CalibrationPoint>();
        var leftOut = 0;
        foreach (var row in crowd.Dataset.Truth)
        {
            var item = crowd.IndexOfItem(row.Item);
            if (item < 0 || labels[item] is null)
            {
                leftOut++;
                continue;
            }
            var right = string.Equals(labels[item], row.Label, StringComparison.Ordinal);
            points.Add(new CalibrationPoint(confidences[item], right, groups[item]));
            byPosterior.Add(new CalibrationPoint(posteriors[item], right, groups[item]));
        }
        return new ReplayCalibration(CalibrationReport.Of(points), CalibrationReport.Of(byPosterior), leftOut, mismatches);
    }
}
