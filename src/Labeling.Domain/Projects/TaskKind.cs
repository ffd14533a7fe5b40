namespace Labeling.Domain.Projects;

/// <summary>What a worker is asked to do with an item. Only <see cref="SingleLabel"/> is served today.</summary>
/// <remarks>
/// The kind is also the truth model's capability: a labeler's reliability is learned per task kind,
/// so one worker's skill at rating does not leak into their classification statistics.
/// </remarks>
public enum TaskKind
{
    /// <summary>Choose exactly one label from the schema (classification).</summary>
    SingleLabel,

    /// <summary>Choose any subset of the labels (reserved; not served yet).</summary>
    MultiLabel,

    /// <summary>Choose one point on an ordered scale (reserved; not served yet).</summary>
    OrdinalRating,

    /// <summary>Choose the better of two items (reserved; not served yet).</summary>
    PairwiseComparison,
}
