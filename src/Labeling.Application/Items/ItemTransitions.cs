using Labeling.Application.Events;
using Labeling.Application.Ports;
using Labeling.Domain.Events;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Items;

/// <summary>Applies a routing decision to an item: its next version, and the <c>label.ready</c> event when it gets its label.</summary>
internal static class ItemTransitions
{
    public static Item Apply(
        Item item,
        RoutingDecision decision,
        IReadOnlyList<double>? posterior,
        Project project,
        DateTimeOffset now,
        int machineVotes = 0,
        int crowdVotes = 0,
        int crowdLabels = 0)
    {
        var label = decision.LabelIndex is { } k ? project.Schema.Labels[k].Name : item.Label;
        return item with
        {
            State = decision.NextState,
            Posterior = posterior?.ToArray() ?? item.Posterior,
            Label = label,
            Confidence = decision.Confidence ?? item.Confidence,
            DecidedBy = decision.DecidedBy ?? item.DecidedBy,
            MachineVotes = item.MachineVotes + machineVotes,
            CrowdVotes = item.CrowdVotes + crowdVotes,
            CrowdLabels = item.CrowdLabels + crowdLabels,
            Revision = item.Revision + 1,
            UpdatedAt = now,
            Reason = decision.Reason,
            // A final label answers the re-check that re-opened the item; until then the published revision is kept.
            ReopenedFromRevision = decision.IsFinalLabel ? null : item.ReopenedFromRevision,
        };
    }

    /// <summary>
    /// One item's routing step as its own commit: the item's next version with its evidence, its machine labelers' track
    /// records, and the <c>label.ready</c> when the step gives it its label.
    /// </summary>
    public static ItemCommit StepCommit(
        Item item, Item next, RoutingDecision decision, Project project, ItemEvidenceState? evidence,
        IReadOnlyList<(string LabelerId, string Label)> machineVotes, string eventSource) =>
        new(project.Id)
        {
            Items = [new ItemWrite(next, evidence)],
            TrackIncrements = Tracks(machineVotes, decision, next.Label),
            Events = LabelReady(item, next, decision, project, eventSource) is { } evt ? [evt] : [],
        };

    /// <summary>A gold item's known label as a posterior (1 on that label), or null for an item that is not gold.</summary>
    public static double[]? KnownLabelPosterior(Item item, Project project) =>
        item.GoldLabel is { } gold && project.Schema.IndexOf(gold) is >= 0 and var known
            ? [.. Enumerable.Range(0, project.Schema.Labels.Count).Select(k => k == known ? 1.0 : 0.0)]
            : null;

    /// <summary>
    /// The <c>label.ready</c> of a decision that gives <paramref name="next"/> its label, or null for other steps. An item a
    /// re-check re-opened (<see cref="Item.ReopenedFromRevision"/> on <paramref name="previous"/>) revises the label it had published.
    /// </summary>
    public static OutboxEvent? LabelReady(Item previous, Item next, RoutingDecision decision, Project project, string eventSource) =>
        decision.IsFinalLabel && next.Label is not null ? LabelReady(next, project, eventSource, revises: previous.ReopenedFromRevision) : null;

    /// <summary>
    /// A labeled item's label replaced after a batch re-fit: the new label, its batch posterior and confidence, the next
    /// revision, and how it was decided (unchanged: the same labelers' votes, read by a better-fitted model).
    /// </summary>
    public static Item Revise(Item item, string label, IReadOnlyList<double> posterior, double confidence, DateTimeOffset now, string reason) =>
        item with
        {
            Posterior = posterior.ToArray(),
            Label = label,
            Confidence = confidence,
            Revision = item.Revision + 1,
            UpdatedAt = now,
            Reason = reason,
        };

    /// <summary>The <c>label.ready</c> event of a labeled item's current revision; <paramref name="revises"/> names the revision it replaces.</summary>
    public static OutboxEvent LabelReady(Item next, Project project, string eventSource, long? revises)
    {
        ArgumentNullException.ThrowIfNull(next.Label);
        var names = project.Schema.Names;
        var posterior = new Dictionary<string, double>(names.Count, StringComparer.Ordinal);
        for (var k = 0; k < names.Count; k++)
        {
            posterior[names[k]] = next.Posterior is { } p && k < p.Count ? p[k] : 0.0;
        }

        var labelReady = new LabelReadyEvent(
            project.Id, next.Id, next.Revision, next.Label, next.Confidence ?? 0.0, posterior,
            next.DecidedBy ?? DecidedBy.Crowd, next.TotalVotes, next.UpdatedAt);
        return LabelReadyCloudEvents.ToOutboxEvent(labelReady, ItemOrigin.Of(next), eventSource, revises);
    }

    /// <summary>Track-record increments for the machine votes on an item decided outside the machines.</summary>
    public static IReadOnlyList<MachineTrack> Tracks(IReadOnlyList<(string LabelerId, string Label)> machineVotes, RoutingDecision decision, string? label)
    {
        if (decision.Step != RoutingStep.Decide || label is null)
        {
            return [];
        }

        return machineVotes
            .Select(v => new MachineTrack(v.LabelerId, 1, string.Equals(v.Label, label, StringComparison.Ordinal) ? 1 : 0))
            .ToArray();
    }
}
