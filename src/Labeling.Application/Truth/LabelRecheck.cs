using System.Globalization;
using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Truth;

/// <summary>
/// Which crowd decisions a batch re-fit sends back to the crowd, and the commit that does it: a decided label whose
/// stopping posterior, read with the re-fitted reliabilities, is below the project's <see cref="RoutingSettings.RecheckTarget"/>
/// goes back to <c>collecting</c> for more votes.
/// </summary>
/// <remarks>
/// <para>An item is decided with the reliabilities known when its last vote came in. Early in a project those rest on a
/// few answers per worker, and two workers who agree on a look-alike class can carry an item past the crowd target; the
/// re-fit reads every worker's whole record. <see cref="LabelRevision"/> replaces a label the batch fit overturns with
/// the crowd target's confidence; the re-check handles the larger set the batch fit merely doubts, by asking for the
/// evidence instead of swapping one unsure label for another. The confidence is the stopping posterior the routing
/// policy itself decides on (<see cref="StoppingPosterior"/>, with the project's <see cref="RoutingSettings.ReliabilityDoubt"/>),
/// so an item re-opened now would not have been decided with what is known now.</para>
/// <para>Only crowd decisions with fewer than <see cref="RoutingSettings.MaxCrowdVotes"/> crowd votes are re-opened (an
/// item at the limit would go straight to review), and none once the project's budget is spent; reviewer, gold and
/// machine labels are left alone for the reasons <see cref="LabelRevision"/> gives.</para>
/// <para>The re-opened item has no label while it collects (its state says it is being asked again) and remembers the
/// revision whose <c>label.ready</c> consumers hold (<see cref="Item.ReopenedFromRevision"/>); its next final label,
/// by the crowd or a reviewer, is a new <c>label.ready</c> with <c>data.revises</c> naming that revision, even when the
/// label is the same (its confidence and votes are not). The machine labelers' track records give back the check the
/// decision counted, which the next decision counts again.</para>
/// </remarks>
public static class LabelRecheck
{
    /// <summary>Whether the re-check looks at <paramref name="item"/> at all.</summary>
    /// <param name="item">The stored item.</param>
    /// <param name="routing">The project's routing.</param>
    /// <returns>True for a crowd decision, not gold, below the vote limit, in a project with the re-check on.</returns>
    public static bool Applies(Item item, RoutingSettings routing)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(routing);
        return routing.RecheckDecidedLabels
            && item.State == ItemState.Decided
            && item.DecidedBy == DecidedBy.Crowd
            && !item.IsGold
            && item.Label is not null
            && item.CrowdVotes < routing.MaxCrowdVotes;
    }

    /// <summary>
    /// Whether <paramref name="evidence"/>, loaded when the re-fit started, still holds every crowd label vote of
    /// <paramref name="item"/> as read now. On Azure another instance can record a vote between the re-fit's load and
    /// its read of the item; judging the item on the older votes, and writing them back as its evidence, would drop
    /// that vote from the model. Such an item is left to the next re-fit.
    /// </summary>
    /// <param name="item">The item as read now.</param>
    /// <param name="evidence">Its evidence as the re-fit loaded it.</param>
    /// <returns>True when the evidence counts as many crowd label votes as the item.</returns>
    public static bool EvidenceIsCurrent(Item item, ItemEvidenceState evidence)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(evidence);
        return evidence.Votes.Count(v => LabelerIds.KindOf(v.Labeler) == LabelerKind.Worker) == item.CrowdLabels;
    }

    /// <summary>The commit that re-opens <paramref name="item"/>: guarded by its revision, no event.</summary>
    /// <param name="item">The stored item (its revision guards the write).</param>
    /// <param name="evidence">The item's stored truth-model evidence.</param>
    /// <param name="labels">The project's labels in schema order.</param>
    /// <param name="posterior">The batch posterior in schema order, which the re-fitted statistics count the item as.</param>
    /// <param name="confidence">The stopping posterior of the item's label with the re-fitted reliabilities.</param>
    /// <param name="project">The project.</param>
    /// <param name="method">The batch method's name, for the item's reason.</param>
    /// <param name="now">When.</param>
    /// <returns>The commit and what it re-opened.</returns>
    public static (ItemCommit Commit, ReopenedItem Reopened) Commit(
        Item item,
        ItemEvidenceState evidence,
        IReadOnlyList<string> labels,
        ReadOnlySpan<double> posterior,
        double confidence,
        Project project,
        string method,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(project);
        var label = item.Label ?? throw new ArgumentException($"Item '{item.Id}' has no label to re-check.", nameof(item));
        var target = project.Routing.RecheckTarget;
        var values = posterior.ToArray();
        var next = item with
        {
            State = ItemState.Collecting,
            Label = null,
            Confidence = null,
            DecidedBy = null,
            Posterior = values,
            Revision = item.Revision + 1,
            UpdatedAt = now,
            ReopenedFromRevision = item.Revision,
            Reason = string.Create(CultureInfo.InvariantCulture,
                $"Re-opened by the batch re-fit ({method}) at {now:O}: read with the re-fitted reliabilities its {item.CrowdVotes} crowd vote(s) give '{label}' a stopping posterior of {confidence:0.000}, below the recheck target {target:0.###}; asking for more votes. Consumers keep '{label}' from revision {item.Revision} until it is decided again."),
        };
        var commit = new ItemCommit(project.Id)
        {
            Items = [new ItemWrite(next, evidence with { Posterior = values })],
            TrackIncrements = evidence.Votes
                .Where(v => LabelerIds.KindOf(v.Labeler) != LabelerKind.Worker)
                .Select(v => new MachineTrack(v.Labeler, -1, labels[v.Label] == label ? -1 : 0))
                .ToArray(),
        };
        return (commit, new ReopenedItem(item.Id, label, confidence, item.Revision, next.Revision));
    }
}
