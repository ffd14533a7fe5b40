namespace Labeling.Domain.TruthInference;

/// <summary>The serialisable state of an <see cref="OnlineDawidSkene"/> model.</summary>
/// <param name="Labels">The classes, in index order.</param>
/// <param name="Labelers">Every labeler's statistics, per capability.</param>
/// <param name="Items">Every item's votes, gold label and posterior.</param>
/// <param name="ClassCounts">
/// Per capability, what the class counts hold besides the sum of the posteriors of the items that count in them (a batch
/// re-fit's correction); none for a capability whose counts are exactly that sum.
/// </param>
public sealed record OnlineDawidSkeneState(string[] Labels, LabelerStatisticsState[] Labelers, ItemEvidenceState[] Items, ClassCountsState[]? ClassCounts = null);

/// <summary>
/// What a capability's class counts hold besides the sum of its counted items' stored posteriors: a batch re-fit rebuilds
/// the counts from its posteriors and keeps the difference here, as it keeps labelers' rebuilt counts whole.
/// </summary>
/// <param name="Capability">The capability; empty for the default.</param>
/// <param name="Offset">K values added to the sum when the model loads (a value may be negative; a count never goes below 0).</param>
public sealed record ClassCountsState(string Capability, double[] Offset);

/// <summary>The serialisable state of one item in the online model.</summary>
/// <param name="Item">The item's identifier.</param>
/// <param name="Capability">The item's capability (task type); empty for the default.</param>
/// <param name="Gold">The known true label's index for gold items, else null.</param>
/// <param name="Votes">The item's votes in arrival order.</param>
/// <param name="Posterior">The posterior after the last update (K values), or null before any vote.</param>
public sealed record ItemEvidenceState(string Item, string Capability, int? Gold, VoteEvidenceState[] Votes, double[]? Posterior);

/// <summary>One vote as the online model remembers it.</summary>
/// <param name="Labeler">Who voted.</param>
/// <param name="Label">The label's index.</param>
/// <param name="At">When its contribution to the labeler's statistics was last written (for decay).</param>
public sealed record VoteEvidenceState(string Labeler, int Label, DateTimeOffset? At);
