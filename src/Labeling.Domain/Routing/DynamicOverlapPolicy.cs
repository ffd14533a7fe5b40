using System.Globalization;
using Labeling.Domain.Items;

namespace Labeling.Domain.Routing;

/// <summary>
/// The routing policy: given an item's state and an event, the next step. Pure — no I/O, no clock,
/// no randomness — so the local vote handler and a Durable Functions orchestrator (which replays)
/// decide identically.
/// </summary>
/// <remarks>
/// <para>Dynamic overlap: instead of a fixed number of votes per item, each crowd vote updates the
/// posterior and the item gets another vote only while it is below the target. The posterior a
/// crowd vote carries is the stopping posterior (<see cref="StoppingPosterior"/>), in which labelers
/// the model knows little about yet count for little. Easy items stop
/// after <see cref="RoutingSettings.MinCrowdVotes"/>; contested ones get up to
/// <see cref="RoutingSettings.MaxCrowdVotes"/> and then go to review.</para>
/// <list type="table">
/// <listheader><term>state + event</term><description>step</description></listheader>
/// <item><term>weak-labeling + machine votes, gold</term><description>collect (gold is served like any item)</description></item>
/// <item><term>weak-labeling + machine votes ≥ accept target, trusted (or untrusted allowed)</term><description>auto-accept</description></item>
/// <item><term>weak-labeling + machine votes, budget spent</term><description>review</description></item>
/// <item><term>weak-labeling + machine votes otherwise</term><description>collect</description></item>
/// <item><term>collecting + crowd vote, gold</term><description>decide by gold once max responses are in or the budget is spent, else collect</description></item>
/// <item><term>collecting + crowd vote, ≥ min labels and ≥ crowd target</term><description>decide</description></item>
/// <item><term>collecting + crowd vote, max responses reached</term><description>review</description></item>
/// <item><term>collecting + crowd vote or task request, budget spent</term><description>decide by gold for a gold item, else review</description></item>
/// <item><term>collecting + crowd exhausted (every worker who could be asked has answered)</term><description>decide by gold for a gold item, else review</description></item>
/// <item><term>collecting + anything else</term><description>collect</description></item>
/// <item><term>needs-review + reviewer resolved</term><description>decide (by reviewer)</description></item>
/// <item><term>any other pair (late or repeated events)</term><description>ignore</description></item>
/// </list>
/// </remarks>
public sealed class DynamicOverlapPolicy
{
    private readonly RoutingSettings _settings;

    /// <summary>Creates the policy for a project's settings.</summary>
    /// <param name="settings">Targets and limits.</param>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists what to change.</exception>
    public DynamicOverlapPolicy(RoutingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(settings));
        }

        _settings = settings;
    }

    /// <summary>The next step for an item.</summary>
    /// <param name="item">The item's routing state, counting the event's own vote.</param>
    /// <param name="event">What happened.</param>
    /// <returns>The decision.</returns>
    public RoutingDecision Next(RoutingSnapshot item, RoutingEvent @event)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(@event);
        return (item.State, @event) switch
        {
            (ItemState.WeakLabeling, MachineVotesApplied machine) => AfterMachineVotes(item, machine),
            (ItemState.Collecting, CrowdVoteRecorded crowd) => AfterCrowdVote(item, crowd),
            (ItemState.Collecting, TaskRequested requested) when _settings.IsBudgetExhausted(item.ProjectCrowdVotes) =>
                AfterBudgetSpent(item, requested),
            (ItemState.Collecting, TaskRequested or LeaseExpired) => Collect("In the crowd pool."),
            (ItemState.Collecting, CrowdExhausted exhausted) => AfterCrowdExhausted(item, exhausted),
            (ItemState.NeedsReview, ReviewerResolved resolved) =>
                new RoutingDecision(RoutingStep.Decide, ItemState.Decided, resolved.LabelIndex, 1.0, DecidedBy.Reviewer, "Resolved by a reviewer."),
            _ => new RoutingDecision(RoutingStep.Ignore, item.State, null, null, null, $"'{@event.GetType().Name}' does not apply to an item in state {item.State}."),
        };
    }

    private RoutingDecision AfterMachineVotes(RoutingSnapshot item, MachineVotesApplied machine)
    {
        if (item.IsGold)
        {
            return Collect("Gold item: served to the crowd to measure workers.");
        }

        var (best, confidence) = Best(machine.Posterior);
        if (confidence >= _settings.AcceptTarget && (machine.TrustedSupport || _settings.AutoAcceptUntrusted))
        {
            var why = machine.TrustedSupport ? "trusted machine labelers" : "machine labelers (untrusted accepted by configuration)";
            return new RoutingDecision(RoutingStep.AutoAccept, ItemState.AutoAccepted, best, confidence, DecidedBy.Machine,
                $"Posterior {Format(confidence)} ≥ accept target {Format(_settings.AcceptTarget)} from {why}.");
        }

        if (_settings.IsBudgetExhausted(item.ProjectCrowdVotes))
        {
            return Review(BudgetReason(item.ProjectCrowdVotes));
        }

        return confidence >= _settings.AcceptTarget
            ? Collect($"Posterior {Format(confidence)} from machine labelers that have not earned trust yet; asking the crowd.")
            : Collect(machine.Posterior is null
                ? "No machine labeler voted; asking the crowd."
                : $"Machine posterior {Format(confidence)} < accept target {Format(_settings.AcceptTarget)}; asking the crowd.");
    }

    private RoutingDecision AfterCrowdVote(RoutingSnapshot item, CrowdVoteRecorded crowd)
    {
        var (best, confidence) = Best(crowd.Posterior);
        if (item.IsGold)
        {
            // A gold item's posterior is its known label whatever the votes, so deciding it once MinCrowdVotes had voted
            // told every worker which items were gold (decided on the second vote, always). It measures the workers it is
            // served to until MaxCrowdVotes have answered, or the budget is spent — as a contested item would.
            if (item.CrowdVotes < _settings.MaxCrowdVotes && !_settings.IsBudgetExhausted(item.ProjectCrowdVotes))
            {
                return Collect(string.Create(CultureInfo.InvariantCulture, $"Gold item: {item.CrowdVotes} of {_settings.MaxCrowdVotes} crowd responses; served to the crowd to measure workers."));
            }

            // Its known label is the posterior the caller passes; without one (a caller's bug) it is not decided with no label,
            // nor sent to a review no reviewer may resolve (a gold item's label is known): it stays as it is, as below.
            return best is null
                ? Collect(string.Create(CultureInfo.InvariantCulture, $"Gold item without a known-label posterior; {item.CrowdVotes} crowd response(s)."))
                : new RoutingDecision(RoutingStep.Decide, ItemState.Decided, best, confidence, DecidedBy.Gold,
                    string.Create(CultureInfo.InvariantCulture, $"Gold item: {item.CrowdVotes} crowd response(s) measured against its known label."));
        }

        // The label decided is the one stored and published with the model's posterior: the stopping posterior says when to
        // stop, not which label, and where the two favour different labels (or the model's favours none, a tie) the votes are
        // not settled.
        var modelBest = crowd.ModelPosterior is { Count: > 0 } model ? Favoured(model) : best;
        var split = modelBest != best && confidence >= _settings.CrowdTarget;
        if (item.CrowdLabels >= _settings.MinCrowdVotes && confidence >= _settings.CrowdTarget && !split)
        {
            return new RoutingDecision(RoutingStep.Decide, ItemState.Decided, best, confidence, DecidedBy.Crowd,
                string.Create(CultureInfo.InvariantCulture, $"Posterior {Format(confidence)} ≥ crowd target {Format(_settings.CrowdTarget)} after {item.CrowdVotes} crowd vote(s)."));
        }

        if (item.CrowdVotes >= _settings.MaxCrowdVotes)
        {
            return Review(split
                ? string.Create(CultureInfo.InvariantCulture, $"{item.CrowdVotes} crowd votes (the maximum); the stopping posterior {Format(confidence)} {Split(best, modelBest)}.")
                : string.Create(CultureInfo.InvariantCulture, $"{item.CrowdVotes} crowd votes (the maximum) without reaching {Format(_settings.CrowdTarget)}; best posterior {Format(confidence)}."));
        }

        if (_settings.IsBudgetExhausted(item.ProjectCrowdVotes))
        {
            return Review(BudgetReason(item.ProjectCrowdVotes));
        }

        if (split)
        {
            return Collect(string.Create(CultureInfo.InvariantCulture, $"Stopping posterior {Format(confidence)} {Split(best, modelBest)}; asking for another vote."));
        }

        return item.CrowdLabels < _settings.MinCrowdVotes
            ? Collect(string.Create(CultureInfo.InvariantCulture, $"{item.CrowdLabels} of at least {_settings.MinCrowdVotes} crowd label(s); asking for another vote."))
            : Collect($"Posterior {Format(confidence)} < crowd target {Format(_settings.CrowdTarget)}; asking for another vote.");
    }

    // As after the last vote the budget allowed: a gold item has measured every worker it will, and is decided by its known
    // label; any other item goes to review.
    private RoutingDecision AfterBudgetSpent(RoutingSnapshot item, TaskRequested requested)
    {
        var (best, confidence) = Best(requested.KnownLabel);
        return item.IsGold && best is not null
            ? new RoutingDecision(RoutingStep.Decide, ItemState.Decided, best, confidence, DecidedBy.Gold,
                string.Create(CultureInfo.InvariantCulture, $"Gold item: {BudgetReason(item.ProjectCrowdVotes)} {item.CrowdVotes} crowd response(s) measured against its known label."))
            : Review(BudgetReason(item.ProjectCrowdVotes));
    }

    private RoutingDecision AfterCrowdExhausted(RoutingSnapshot item, CrowdExhausted exhausted)
    {
        var (best, confidence) = Best(exhausted.Posterior);
        var asked = string.Create(CultureInfo.InvariantCulture,
            $"every one of the {exhausted.Workers} worker(s) who can be offered it has answered ({item.CrowdVotes} crowd response(s), below the maximum {_settings.MaxCrowdVotes})");
        if (item.IsGold)
        {
            // As at the maximum: the gold item has measured every worker there is to measure.
            return best is null
                ? Collect($"Gold item without a known-label posterior; {asked}.")
                : new RoutingDecision(RoutingStep.Decide, ItemState.Decided, best, confidence, DecidedBy.Gold,
                    $"Gold item: {asked}; measured against its known label.");
        }

        return Review(best is null
            ? $"No crowd vote can come: {asked}."
            : $"No crowd vote can come: {asked} without reaching {Format(_settings.CrowdTarget)}; best posterior {Format(confidence)}.");
    }

    /// <summary>The most likely label of a posterior and its probability; ties keep the earlier label.</summary>
    /// <param name="posterior">The posterior in schema order; null or empty for none.</param>
    /// <returns>The label index (null without a posterior) and its probability (0 without one).</returns>
    public static (int? Best, double Confidence) Best(IReadOnlyList<double>? posterior)
    {
        if (posterior is null || posterior.Count == 0)
        {
            return (null, 0.0);
        }

        var best = 0;
        for (var k = 1; k < posterior.Count; k++)
        {
            // Ties keep the earlier label, so the decision is deterministic in schema order.
            if (posterior[k] > posterior[best])
            {
                best = k;
            }
        }

        return (best, posterior[best]);
    }

    // The label a posterior favours: its most likely one, or null when two labels tie for it.
    private static int? Favoured(IReadOnlyList<double> posterior)
    {
        var best = Best(posterior).Best!.Value;
        for (var k = 0; k < posterior.Count; k++)
        {
            if (k != best && posterior[k] == posterior[best])
            {
                return null;
            }
        }

        return best;
    }

    private static string Split(int? best, int? modelBest) =>
        modelBest is { } m
            ? string.Create(CultureInfo.InvariantCulture, $"favours label {best} but the model's posterior favours label {m}")
            : string.Create(CultureInfo.InvariantCulture, $"favours label {best} but the model's posterior favours no label (a tie)");

    /// <summary>How the reason of every item the spent budget sent to review begins (what a raised budget sends back to the crowd).</summary>
    public const string BudgetSpentReasonStart = "The project's vote budget (";

    private string BudgetReason(long used) =>
        string.Create(CultureInfo.InvariantCulture, $"{BudgetSpentReasonStart}{_settings.VoteBudget}) is spent ({used} crowd votes used).");

    private static RoutingDecision Collect(string reason) =>
        new(RoutingStep.CollectVotes, ItemState.Collecting, null, null, null, reason);

    private static RoutingDecision Review(string reason) =>
        new(RoutingStep.SendToReview, ItemState.NeedsReview, null, null, null, reason);

    private static string Format(double p) => p.ToString("0.###", CultureInfo.InvariantCulture);
}
