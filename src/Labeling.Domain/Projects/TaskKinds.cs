namespace Labeling.Domain.Projects;

/// <summary>Names of <see cref="TaskKind"/> values as they appear in APIs and as truth-model capabilities.</summary>
public static class TaskKinds
{
    /// <summary>The kebab-case name: <c>single-label</c>, <c>multi-label</c>, <c>ordinal-rating</c>, <c>pairwise-comparison</c>.</summary>
    /// <param name="kind">The task kind.</param>
    /// <returns>Its stable name.</returns>
    public static string Name(TaskKind kind) => kind switch
    {
        TaskKind.SingleLabel => "single-label",
        TaskKind.MultiLabel => "multi-label",
        TaskKind.OrdinalRating => "ordinal-rating",
        TaskKind.PairwiseComparison => "pairwise-comparison",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown task kind."),
    };

    /// <summary>Whether this build can serve tasks of the kind.</summary>
    /// <param name="kind">The task kind.</param>
    /// <returns>True for <see cref="TaskKind.SingleLabel"/> only, for now.</returns>
    public static bool IsServed(TaskKind kind) => kind == TaskKind.SingleLabel;
}
