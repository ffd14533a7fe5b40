namespace Labeling.Domain.Labelers;

/// <summary>
/// Labeler identifiers: <c>{kind}:{name}</c>, e.g. <c>worker:alice</c>, <c>rule:subscribe</c>,
/// <c>llm:gpt-4o-mini@v2</c>, <c>model:pseudo</c>. The prefix keeps a person and a rule with the
/// same name apart in the truth model.
/// </summary>
public static class LabelerIds
{
    /// <summary>The id of a crowd worker.</summary>
    /// <param name="subject">The worker's stable identity (token subject).</param>
    /// <returns><c>worker:{subject}</c>.</returns>
    public static string Worker(string subject) => Create(LabelerKind.Worker, subject);

    /// <summary>The id of a rule.</summary>
    /// <param name="ruleId">The rule's id in its project.</param>
    /// <returns><c>rule:{ruleId}</c>.</returns>
    public static string Rule(string ruleId) => Create(LabelerKind.Rule, ruleId);

    /// <summary>The start every id of a kind shares, e.g. <c>rule:</c>.</summary>
    /// <param name="kind">The labeler kind.</param>
    /// <returns><c>{kind}:</c> with the kind in lower case.</returns>
    public static string PrefixOf(LabelerKind kind) => Prefix(kind) + ":";

    /// <summary>Builds an id from a kind and a name.</summary>
    /// <param name="kind">The labeler kind.</param>
    /// <param name="name">The name within the kind.</param>
    /// <returns><c>{kind}:{name}</c> with the kind in lower case.</returns>
    public static string Create(LabelerKind kind, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"{Prefix(kind)}:{name}";
    }

    /// <summary>The kind encoded in an id.</summary>
    /// <param name="labelerId">A labeler id.</param>
    /// <returns>The kind.</returns>
    /// <exception cref="ArgumentException">The id has no known prefix.</exception>
    public static LabelerKind KindOf(string labelerId)
    {
        ArgumentNullException.ThrowIfNull(labelerId);
        foreach (var kind in Enum.GetValues<LabelerKind>())
        {
            if (labelerId.StartsWith(Prefix(kind) + ":", StringComparison.Ordinal))
            {
                return kind;
            }
        }

        throw new ArgumentException($"Labeler id '{labelerId}' has no known kind prefix (worker:, rule:, llm:, model:).", nameof(labelerId));
    }

    private static string Prefix(LabelerKind kind) => kind switch
    {
        LabelerKind.Worker => "worker",
        LabelerKind.Rule => "rule",
        LabelerKind.Llm => "llm",
        LabelerKind.Model => "model",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown labeler kind."),
    };
}
