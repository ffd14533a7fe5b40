using Labeling.Domain.Items;

namespace Labeling.Domain.Routing;

/// <summary>The policy's answer: the next step, the item's next state, and for decisions the label.</summary>
/// <param name="Step">What to do.</param>
/// <param name="NextState">The state the item moves to (unchanged for <see cref="RoutingStep.Ignore"/>).</param>
/// <param name="LabelIndex">The decided label's schema index, for accept and decide steps.</param>
/// <param name="Confidence">The decided label's probability, for accept and decide steps.</param>
/// <param name="DecidedBy">How the label was decided, for accept and decide steps.</param>
/// <param name="Reason">Why, in words a person reading the item understands.</param>
public sealed record RoutingDecision(
    RoutingStep Step,
    ItemState NextState,
    int? LabelIndex,
    double? Confidence,
    DecidedBy? DecidedBy,
    string Reason)
{
    /// <summary>Whether the step gives the item its final label (and so a <c>label.ready</c> event).</summary>
    public bool IsFinalLabel => Step is RoutingStep.AutoAccept or RoutingStep.Decide;
}
