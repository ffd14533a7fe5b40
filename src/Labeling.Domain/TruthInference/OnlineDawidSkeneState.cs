namespace Labeling.Domain.TruthInference;

/// <summary>The serialisable state of an <see cref="OnlineDawidSkene"/> model.</summary>
/// <param name="Labels">The classes, in index order.</param>
/// <param name="Labelers">Every labeler's statistics, per capability.</param>
/// <param name="Items">Every item's votes, gold label and posterior.</param>
public sealed record OnlineDawidSkeneState(string[] Labels, LabelerStatisticsState[] Labelers, ItemEvidenceState[] Items);

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
