using Labeling.Domain.Labelers;

namespace Labeling.Domain.Votes;

/// <summary>One labeler's answer on one item. A labeler votes at most once per item.</summary>
/// <param name="ProjectId">The item's project.</param>
/// <param name="ItemId">The item.</param>
/// <param name="LabelerId">Who voted (see <see cref="LabelerIds"/>).</param>
/// <param name="Kind">The labeler's kind.</param>
/// <param name="Label">The label, or null for an abstention ("unsure").</param>
/// <param name="At">When the vote was cast.</param>
/// <param name="LeaseId">The task lease the vote answered, for crowd votes.</param>
public sealed record Vote(
    string ProjectId,
    string ItemId,
    string LabelerId,
    LabelerKind Kind,
    string? Label,
    DateTimeOffset At,
    string? LeaseId)
{
    /// <summary>Whether the labeler declined to choose a label.</summary>
    public bool IsAbstention => Label is null;
}
