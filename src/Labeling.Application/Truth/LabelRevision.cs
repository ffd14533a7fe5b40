using System.Globalization;
using Labeling.Application.Items;
using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Truth;

/// <summary>
/// Which labeled items a batch re-fit relabels, and the commit that does it: the item's next revision with the
/// batch label and posterior, and a new <c>label.ready</c> in the outbox, in one <see cref="ItemCommit"/>.
/// </summary>
/// <remarks>
/// <para>An item is decided with the reliabilities known at that moment; items decided while their workers were
/// still unknown are never looked at again by the online model. A batch fit reads every vote of the window with
/// every worker's whole record, so where it picks another label with the confidence the project asks of a crowd
/// decision, that label is the better-supported one. The rule is symmetric with the decision it replaces: a
/// label stands because its posterior reached <see cref="TargetFor"/>, and is replaced only by a label
/// whose batch posterior reaches the same target. An item the batch fit finds merely doubtful (its choice below the
/// target) keeps its label: swapping one unsure label for another would make consumers chase a coin flip, and
/// successive re-fits could flip it back and forth.</para>
/// <para>Only crowd decisions are revised. Reviewer decisions are a person's judgement and are never overwritten;
/// gold items are truth. Machine decisions (auto-accepted) rest on machine votes alone, accepted under the
/// project's trust gate for its machine labelers, which a batch posterior does not model; an auto-accepted item the
/// batch fit disagrees with is listed in the drift report, and the right remedy — asking the crowd — is a routing
/// change, not a relabel by the same machine votes.</para>
/// <para>The item's state, vote counts and how it was decided stay; its posterior (shown, exported and stored as
/// the truth model's evidence for the item) becomes the batch posterior, which is what the re-fitted statistics
/// already count it as. Machine labelers' track records move with the label: a machine vote that agreed with the
/// old label and not the new one loses its agreement, and the other way round.</para>
/// <para>Items waiting for review got every crowd vote they may get without reaching the target; their label is
/// the reviewer's to choose, so they stay in review, but where the batch fit ranks another label first their
/// posterior (what the reviewer and any reader of the item see) is replaced by the batch one, without an event.</para>
/// </remarks>
public static class LabelRevision
{
    // Marks the re-fit's sentence in an item's reason, so a later re-fit replaces it instead of adding another.
    private const string RefitNote = " The batch re-fit (";

    /// <summary>The confidence a batch label needs to replace a decided one: the option, or the project's crowd target.</summary>
    /// <param name="project">The project.</param>
    /// <param name="options">The re-fit options.</param>
    /// <returns>The threshold.</returns>
    public static double TargetFor(Project project, ReliabilityRefitOptions options)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(options);
        return options.RevisionConfidence ?? project.Routing.CrowdTarget;
    }

    /// <summary>Whether a labeled item may be relabeled with the batch fit's choice.</summary>
    /// <param name="item">The stored item.</param>
    /// <param name="batchLabel">The batch posterior's most probable label.</param>
    /// <param name="batchConfidence">Its batch posterior.</param>
    /// <param name="target">The confidence it must reach (<see cref="TargetFor"/>).</param>
    /// <returns>True for a crowd decision, not gold, with another label that reaches the target.</returns>
    public static bool Qualifies(Item item, string batchLabel, double batchConfidence, double target)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.State == ItemState.Decided
            && item.DecidedBy == DecidedBy.Crowd
            && !item.IsGold
            && item.Label is not null
            && !string.Equals(item.Label, batchLabel, StringComparison.Ordinal)
            && batchConfidence >= target;
    }

    /// <summary>The commit that relabels <paramref name="item"/>: guarded by its revision, with the new event.</summary>
    /// <param name="item">The stored item (its revision guards the write).</param>
    /// <param name="evidence">The item's stored truth-model evidence.</param>
    /// <param name="labels">The project's labels in schema order.</param>
    /// <param name="posterior">The batch posterior in schema order.</param>
    /// <param name="project">The project.</param>
    /// <param name="method">The batch method's name, for the item's reason.</param>
    /// <param name="now">When.</param>
    /// <param name="eventSource">The CloudEvents <c>source</c> prefix.</param>
    /// <returns>The commit and what it revises.</returns>
    public static (ItemCommit Commit, RevisedLabel Revised) Commit(
        Item item,
        ItemEvidenceState evidence,
        IReadOnlyList<string> labels,
        ReadOnlySpan<double> posterior,
        Project project,
        string method,
        DateTimeOffset now,
        string eventSource)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(project);
        var values = posterior.ToArray();
        var best = DynamicOverlapPolicy.Best(values).Best!.Value;
        var previous = item.Label ?? throw new ArgumentException($"Item '{item.Id}' has no label to revise.", nameof(item));
        var label = labels[best];
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"Revised by the batch re-fit ({method}) at {now:O}: its posterior for '{label}' is {values[best]:0.000}; the label was '{previous}' at revision {item.Revision}.");
        var next = ItemTransitions.Revise(item, label, values, values[best], now, reason);
        var commit = new ItemCommit(project.Id)
        {
            Items = [new ItemWrite(next, evidence with { Posterior = values })],
            TrackIncrements = Tracks(evidence, labels, previous, label),
            Events = [ItemTransitions.LabelReady(next, project, eventSource, revises: item.Revision)],
        };
        return (commit, new RevisedLabel(item.Id, previous, label, values[best], item.Revision, next.Revision));
    }

    /// <summary>
    /// Whether an undecided item should show the batch posterior: it ranks another label first than the stored one.
    /// Items in review, and items still collecting votes, are read with the re-fitted reliabilities as decided items are;
    /// a re-opened item is not (it was given the batch posterior when re-opened, and its time since then decides when
    /// it goes to review), nor is a gold item (its posterior is its known label).
    /// </summary>
    /// <param name="item">The stored item.</param>
    /// <param name="posterior">The batch posterior in schema order.</param>
    /// <returns>True for a non-gold item in review, or collecting and never re-opened, whose most likely label changes.</returns>
    public static bool RefreshesPosterior(Item item, ReadOnlySpan<double> posterior)
    {
        ArgumentNullException.ThrowIfNull(item);
        var undecided = item.State == ItemState.NeedsReview || (item.State == ItemState.Collecting && item.ReopenedFromRevision is null);
        return undecided && !item.IsGold && DynamicOverlapPolicy.Best(posterior.ToArray()).Best != DynamicOverlapPolicy.Best(item.Posterior).Best;
    }

    /// <summary>The commit that puts the batch reading on an undecided item, guarded by its revision; no event (it has no label).</summary>
    /// <param name="item">The stored item.</param>
    /// <param name="evidence">The item's stored truth-model evidence.</param>
    /// <param name="labels">The project's labels in schema order.</param>
    /// <param name="posterior">The posterior the item shows, in schema order: the batch posterior read with the undecided items' class mix.</param>
    /// <param name="modelPosterior">
    /// The batch posterior itself, which the truth model keeps for the item: the workers' statistics were rebuilt from it, and
    /// the item's next vote takes this contribution back out of them.
    /// </param>
    /// <param name="method">The batch method's name and reading, for the item's reason.</param>
    /// <param name="now">When.</param>
    /// <returns>The commit.</returns>
    public static ItemCommit RefreshCommit(Item item, ItemEvidenceState evidence, IReadOnlyList<string> labels, ReadOnlySpan<double> posterior, ReadOnlySpan<double> modelPosterior, string method, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(labels);
        if (posterior.Length != labels.Count || modelPosterior.Length != labels.Count)
            throw new ArgumentException($"Both posteriors need one value per label ({labels.Count}).", nameof(posterior));
        var values = posterior.ToArray();
        var best = DynamicOverlapPolicy.Best(values).Best!.Value;
        var next = item with
        {
            Posterior = values,
            Revision = item.Revision + 1,
            UpdatedAt = now,
            Reason = string.Create(CultureInfo.InvariantCulture,
                $"{item.Reason?.Split(RefitNote)[0]}{RefitNote}{method}) at {now:O} reads its votes as '{labels[best]}' ({values[best]:0.000}).").TrimStart(),
        };
        return new ItemCommit(item.ProjectId) { Items = [new ItemWrite(next, evidence with { Posterior = modelPosterior.ToArray() })] };
    }

    private static MachineTrack[] Tracks(ItemEvidenceState evidence, IReadOnlyList<string> labels, string previous, string label) =>
        evidence.Votes
            .Where(v => LabelerIds.KindOf(v.Labeler) != LabelerKind.Worker)
            .Select(v => new MachineTrack(v.Labeler, 0, (labels[v.Label] == label ? 1 : 0) - (labels[v.Label] == previous ? 1 : 0)))
            .Where(t => t.Agreed != 0)
            .ToArray();
}
