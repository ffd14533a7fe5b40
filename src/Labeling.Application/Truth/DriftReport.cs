namespace Labeling.Application.Truth;

/// <summary>What a batch re-fit found: how far the online reliabilities had drifted from a full fit over the window, and which decided labels it revised.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="Method">The batch method (<c>InferenceMethods.Default()</c>'s name).</param>
/// <param name="FittedAt">When the re-fit ran.</param>
/// <param name="WindowStart">Votes cast at or after this time were re-fitted.</param>
/// <param name="ItemsInWindow">Items with at least one vote in the window.</param>
/// <param name="VotesInWindow">Label votes on those items.</param>
/// <param name="Labelers">Per labeler: online against batch reliability.</param>
/// <param name="Disagreements">Labeled items whose label was not the batch posterior's choice when the re-fit ran (the revised ones included), at most <see cref="ReliabilityRefitOptions.MaxDisagreementsListed"/>.</param>
/// <param name="DisagreementCount">How many labeled items disagreed, listed or not.</param>
/// <param name="Revisions">The disagreements whose label was replaced (<see cref="LabelRevision"/> says which qualify), at most <see cref="ReliabilityRefitOptions.MaxDisagreementsListed"/>.</param>
/// <param name="RevisedCount">How many labels were replaced, listed or not.</param>
/// <param name="RevisionConflicts">Qualifying items left unrevised or not re-opened because they changed while the re-fit ran; the next re-fit looks at them again.</param>
/// <param name="ReviewPosteriorsUpdated">Items in review whose posterior became the batch posterior because it ranks another label first.</param>
public sealed record DriftReport(
    string ProjectId,
    string Method,
    DateTimeOffset FittedAt,
    DateTimeOffset WindowStart,
    int ItemsInWindow,
    int VotesInWindow,
    IReadOnlyList<LabelerDrift> Labelers,
    IReadOnlyList<ItemDisagreement> Disagreements,
    int DisagreementCount,
    IReadOnlyList<RevisedLabel> Revisions,
    int RevisedCount,
    int RevisionConflicts,
    int ReviewPosteriorsUpdated)
{
    /// <summary>Crowd decisions the re-check sent back for more votes (<see cref="LabelRecheck"/>), at most <see cref="ReliabilityRefitOptions.MaxDisagreementsListed"/>.</summary>
    public IReadOnlyList<ReopenedItem> Reopened { get; init; } = [];

    /// <summary>How many crowd decisions were re-opened, listed or not.</summary>
    public int ReopenedCount { get; init; }

    /// <summary>
    /// Re-opened items sent to review because no crowd vote came for <see cref="Domain.Routing.RoutingSettings.ReopenedReviewHours"/>
    /// (their published label stands until a reviewer decides).
    /// </summary>
    public int ReopenedSentToReview { get; init; }

    /// <summary>
    /// Items still collecting votes (never re-opened) whose posterior became the batch posterior because it ranks another
    /// label first; they stay in the pool, and their next vote routes them as before.
    /// </summary>
    public int PoolPosteriorsUpdated { get; init; }

    /// <summary>
    /// Items still collecting that every worker who could be offered them had answered, with no crowd vote for
    /// <see cref="Domain.Routing.RoutingSettings.ReopenedReviewHours"/>: sent to review (a gold item decided by its known label).
    /// </summary>
    public int CrowdExhausted { get; init; }

    /// <summary>
    /// The class mix the re-fit read the undecided items with (in review, or still collecting and never re-opened), per
    /// label (<see cref="Domain.TruthInference.ClassPriorShift"/>): learned from those a labeler other than a rule voted
    /// on (items only rules voted on are read with the project's prior) and shrunk towards the project's prior by
    /// <see cref="ReliabilityRefitOptions.UndecidedPriorStrength"/>. Null when the fit read no such undecided item, or the
    /// labels were not revised (<see cref="ReliabilityRefitOptions.ReviseLabels"/> off).
    /// </summary>
    public IReadOnlyDictionary<string, double>? UndecidedClassMix { get; init; }
}
