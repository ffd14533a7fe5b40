namespace Labeling.Application.Truth;

/// <summary>What <c>POST /api/projects/{id}/refit</c> answers: the drift report in figures, and the labels it revised.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="Method">The batch method.</param>
/// <param name="FittedAt">When the re-fit ran.</param>
/// <param name="WindowStart">Votes cast at or after this time were re-fitted.</param>
/// <param name="ItemsInWindow">Items with at least one vote in the window.</param>
/// <param name="VotesInWindow">Label votes on those items.</param>
/// <param name="Labelers">Labelers re-fitted.</param>
/// <param name="LabelersDrifted">Labelers whose accuracy moved by more than <see cref="ReliabilityRefitOptions.AccuracyChangeWarning"/>.</param>
/// <param name="Disagreements">Labeled items whose label was not the batch posterior's choice.</param>
/// <param name="Revised">Labels replaced, each with a new <c>label.ready</c>.</param>
/// <param name="RevisionConflicts">Items left for the next re-fit (unrevised or not re-opened) because they changed meanwhile.</param>
/// <param name="ReviewPosteriorsUpdated">Items in review now showing the batch posterior, which ranks another label first.</param>
/// <param name="Revisions">The revised labels (at most <see cref="ReliabilityRefitOptions.MaxDisagreementsListed"/>).</param>
public sealed record RefitSummary(
    string ProjectId,
    string Method,
    DateTimeOffset FittedAt,
    DateTimeOffset WindowStart,
    int ItemsInWindow,
    int VotesInWindow,
    int Labelers,
    int LabelersDrifted,
    int Disagreements,
    int Revised,
    int RevisionConflicts,
    int ReviewPosteriorsUpdated,
    IReadOnlyList<RevisedLabel> Revisions)
{
    /// <summary>Crowd decisions sent back to the crowd pool for more votes because the re-fitted reliabilities put them below <c>routing.recheckTarget</c>.</summary>
    public int Reopened { get; init; }

    /// <summary>The re-opened items (at most <see cref="ReliabilityRefitOptions.MaxDisagreementsListed"/>).</summary>
    public IReadOnlyList<ReopenedItem> ReopenedItems { get; init; } = [];

    /// <summary>Re-opened items sent to review because no crowd vote reached them for <c>routing.reopenedReviewHours</c>.</summary>
    public int ReopenedSentToReview { get; init; }

    /// <summary>Items still collecting votes now showing the batch posterior, which ranks another label first.</summary>
    public int PoolPosteriorsUpdated { get; init; }

    /// <summary>Items every worker who could be offered them had answered, sent to review (gold: decided by its known label).</summary>
    public int CrowdExhausted { get; init; }

    /// <summary>The class mix the undecided items were read with, per label; null when none was read.</summary>
    public IReadOnlyDictionary<string, double>? UndecidedClassMix { get; init; }

    /// <summary>Summarises a report.</summary>
    /// <param name="report">The drift report.</param>
    /// <param name="accuracyChangeWarning">The accuracy change above which a labeler counts as drifted.</param>
    /// <returns>The summary.</returns>
    public static RefitSummary Of(DriftReport report, double accuracyChangeWarning)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new RefitSummary(
            report.ProjectId, report.Method, report.FittedAt, report.WindowStart, report.ItemsInWindow, report.VotesInWindow,
            report.Labelers.Count, report.Labelers.Count(l => Math.Abs(l.AccuracyChange) > accuracyChangeWarning),
            report.DisagreementCount, report.RevisedCount, report.RevisionConflicts, report.ReviewPosteriorsUpdated, report.Revisions)
        {
            Reopened = report.ReopenedCount,
            ReopenedItems = report.Reopened,
            ReopenedSentToReview = report.ReopenedSentToReview,
            PoolPosteriorsUpdated = report.PoolPosteriorsUpdated,
            CrowdExhausted = report.CrowdExhausted,
            UndecidedClassMix = report.UndecidedClassMix,
        };
    }
}
