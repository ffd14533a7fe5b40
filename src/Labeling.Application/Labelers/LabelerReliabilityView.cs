using Labeling.Domain.Labelers;

namespace Labeling.Application.Labelers;

/// <summary>What the truth model has learned of one labeler (figures rounded to four decimals).</summary>
/// <param name="Labeler">The labeler's id (<c>worker:…</c>, <c>rule:…</c>, <c>llm:…</c>, <c>model:…</c>).</param>
/// <param name="Kind">Its kind.</param>
/// <param name="LabelVotes">Items it has a labelled vote on in the model (unsure answers are not votes here).</param>
/// <param name="Evidence">Expected answers its estimate rests on: for a worker the items with two or more votes it voted
/// on, for a rule the checked items it voted on. For a worker, LLM or model with 0 the figures are the model's prior, not
/// a measurement. A rule's rates and silence are learned from every checked item (the page's <c>checkedItems</c>), those it
/// stayed silent on included: with 0 and checked items, its figures say it seldom fires (silence near 1); only with no
/// checked item are they the prior.</param>
public sealed record LabelerReliabilityView(string Labeler, LabelerKind Kind, int LabelVotes, double Evidence)
{
    /// <summary>Its accuracy under the class distribution, Σ_t π_t·P(answers t | t); null for a rule.</summary>
    public double? Accuracy { get; init; }

    /// <summary>P(answers l | the truth is t) as <c>{t: {l: p}}</c>; null for a rule, which is read by its firing rates.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? Confusion { get; init; }

    /// <summary>A rule's firing rates P(votes l | the truth is t) as <c>{t: {l: p}}</c>; null for other labelers.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? FiringRates { get; init; }

    /// <summary>
    /// A rule's silence P(no vote | the truth is t), 1 − Σ_l of its firing rates, read on every item it did not vote on
    /// (once it has voted: a rule that has never voted is read on no item); null for other labelers.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Silence { get; init; }

    /// <summary>
    /// A rule's precision by the label it votes: P(the truth is l | it votes l), by Bayes' rule on the class distribution
    /// and its firing rates, for the project's label of the rule (before it has voted too); null for other labelers.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Precision { get; init; }

    /// <summary>A machine labeler's votes on items the crowd, gold or a reviewer decided; null for a worker.</summary>
    public long? CheckedVotes { get; init; }

    /// <summary>Of <see cref="CheckedVotes"/>, those that agreed with the decision; null for a worker.</summary>
    public long? AgreedVotes { get; init; }

    /// <summary>Whether its votes may auto-accept under the project's <c>trustMinimumChecked</c> and <c>trustMinimumAccuracy</c>; null for a worker.</summary>
    public bool? Trusted { get; init; }
}
