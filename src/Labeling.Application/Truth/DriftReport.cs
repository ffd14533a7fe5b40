namespace Labeling.Application.Truth;

/// <summary>What a batch re-fit found: how far the online reliabilities had drifted from a full fit over the window.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="Method">The batch method (<c>InferenceMethods.Default()</c>'s name).</param>
/// <param name="FittedAt">When the re-fit ran.</param>
/// <param name="WindowStart">Votes cast at or after this time were re-fitted.</param>
/// <param name="ItemsInWindow">Items with at least one vote in the window.</param>
/// <param name="VotesInWindow">Label votes on those items.</param>
/// <param name="Labelers">Per labeler: online against batch reliability.</param>
/// <param name="Disagreements">Items whose decided label is not the batch posterior's choice.</param>
public sealed record DriftReport(
    string ProjectId,
    string Method,
    DateTimeOffset FittedAt,
    DateTimeOffset WindowStart,
    int ItemsInWindow,
    int VotesInWindow,
    IReadOnlyList<LabelerDrift> Labelers,
    IReadOnlyList<ItemDisagreement> Disagreements);
