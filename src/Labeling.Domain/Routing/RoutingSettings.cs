using System.Globalization;

namespace Labeling.Domain.Routing;

/// <summary>A project's routing targets and limits, read by <see cref="DynamicOverlapPolicy"/>.</summary>
public sealed record RoutingSettings
{
    /// <summary>
    /// Posterior an item needs from machine votes alone to be auto-accepted. Default 0.95. Higher than
    /// <see cref="CrowdTarget"/> because no person looked at the item.
    /// </summary>
    public double AcceptTarget { get; init; } = 0.95;

    /// <summary>
    /// Stopping posterior (see <see cref="ReliabilityDoubt"/>) at which crowd collection stops and the
    /// item is decided. Default 0.97: the decided label should be wrong at most three times in a
    /// hundred under the model. (0.95 was the default before: on the recorded crowd of the dog data set,
    /// whose workers err together on look-alike breeds so the model is overconfident, it left the
    /// accuracy within a point of batch Dawid–Skene in about half the replays; 0.97 does in most, and
    /// still saves about 40 % of the recorded votes. See docs/benchmarks.md.)
    /// </summary>
    public double CrowdTarget { get; init; } = 0.97;

    /// <summary>
    /// Send a crowd-decided label back to the crowd when a batch re-fit (periodic, or <c>POST /api/projects/{id}/refit</c>)
    /// reads the item's votes again with the re-fitted reliabilities and its stopping posterior falls below
    /// <see cref="RecheckTarget"/>, while the item has fewer than <see cref="MaxCrowdVotes"/> crowd votes and budget
    /// remains; its next decision is a new <c>label.ready</c> that revises the published one. Default true: an item is
    /// decided with the reliabilities known at that moment, which early in a project rest on few answers, and the
    /// re-fit reads every worker's whole record.
    /// </summary>
    public bool RecheckDecidedLabels { get; init; } = true;

    /// <summary>
    /// The stopping posterior a crowd-decided label must still reach with the re-fitted reliabilities when
    /// <see cref="RecheckDecidedLabels"/> is on. Default 0.99 (below), above <see cref="CrowdTarget"/>: a batch fit reads the
    /// same votes it was fitted to, so its reliabilities, and the posteriors they give, are surer than the online ones an
    /// item was decided with (items decided with re-fitted reliabilities stop earlier, docs/benchmarks.md). Chosen on the
    /// replays of four public crowds: it lifts dog from a mean of 0.835 to 0.840 (within a point of batch Dawid–Skene
    /// in 119 of 130 replays, 24 of 35 before) for about 7 % more of its votes; 0.97 and 0.98 lift it by about a fifth of a point.
    /// <para>Unset, it follows <see cref="CrowdTarget"/>: <see cref="DefaultRecheckTarget"/> (0.99 for the default 0.97), so a
    /// project that lowers <see cref="CrowdTarget"/> does not have every decision re-opened at its first re-fit, as a fixed
    /// 0.99 did to a project deciding at 0.8.</para>
    /// </summary>
    public double RecheckTarget
    {
        get => _recheckTarget ?? DefaultRecheckTarget(CrowdTarget);
        init => _recheckTarget = value;
    }

    private readonly double? _recheckTarget;

    /// <summary>
    /// The re-check target of a project that sets none: a label wrong at most a third as often as <paramref name="crowdTarget"/>
    /// allows, 1 − (1 − crowdTarget) / 3, to four decimals (0.99 for 0.97, 0.9333 for 0.8; unrounded where four decimals
    /// would make it 1).
    /// </summary>
    /// <param name="crowdTarget">The project's crowd target.</param>
    /// <returns>The re-check target.</returns>
    public static double DefaultRecheckTarget(double crowdTarget)
    {
        var exact = 1 - ((1 - crowdTarget) / 3);
        var rounded = Math.Round(exact, 4, MidpointRounding.AwayFromZero);

        // Rounded up to 1 (crowdTarget 0.9999), no decision could stay; below 1 the exact value is used instead. At most 1,
        // so that an invalid crowdTarget (1.5) is the one error named, not a recheckTarget nobody set.
        return Math.Min(1.0, Math.Max(crowdTarget, rounded >= 1 && crowdTarget < 1 ? exact : rounded));
    }

    /// <summary>
    /// Hours an item the re-check re-opened may stay in the crowd pool without a crowd vote before the next re-fit sends it
    /// to review. Without a limit it could wait for ever: when every worker still coming has answered it (or skipped it), no
    /// one is offered it again, and the doubted label never gets its second reading. In review it keeps what it has: its
    /// posterior, its votes, and the published label, which consumers keep until a reviewer's label revises it. Default 24.
    /// <para>The same hours clear items nobody is left to ask (<see cref="CrowdExhausted"/>): a collecting item no crowd vote
    /// reached for this long, which every worker who labeled in the project within this long (and is not retired) has
    /// answered, goes to review at the next re-fit (a gold item is decided by its known label). Only crowds smaller than
    /// <see cref="MaxCrowdVotes"/> leave such items.</para>
    /// </summary>
    public double ReopenedReviewHours { get; init; } = 24;

    /// <summary>The largest <see cref="ReopenedReviewHours"/>: ten years, which leaves re-opened and exhausted items in the pool for good.</summary>
    public const double MaxReopenedReviewHours = 87_600;

    /// <summary>
    /// Pseudo-answers of an uninformative labeler mixed into each voter's reliability when deciding
    /// whether an item has enough votes (<see cref="StoppingPosterior"/>): a labeler with little
    /// evidence yet counts for little, one with much more evidence than this counts in full. Default
    /// 10, the truth model's prior strength. 0 stops on the model's posterior as it is.
    /// </summary>
    public double ReliabilityDoubt { get; init; } = 10.0;

    /// <summary>
    /// Crowd votes (labels, not abstentions) every crowd item gets before it may be decided. Default 2:
    /// with one, a single wrong vote decides any item whose class the model already leans towards
    /// (weak rules that vote only one class skew the learned class prior that way).
    /// </summary>
    public int MinCrowdVotes { get; init; } = 2;

    /// <summary>
    /// Crowd responses after which an undecided item goes to review. Default 10: contested items may
    /// take as many votes as the usual fixed overlaps of public crowdsourcing sets, no more.
    /// </summary>
    public int MaxCrowdVotes { get; init; } = 10;

    /// <summary>Total crowd responses the project may use; null for no limit (default).</summary>
    public long? VoteBudget { get; init; }

    /// <summary>
    /// Checked votes a machine labeler needs (votes on items the crowd, gold or a reviewer decided)
    /// before its votes may auto-accept. Default 20.
    /// </summary>
    public int TrustMinimumChecked { get; init; } = 20;

    /// <summary>Share of checked votes a machine labeler must have got right to be trusted. Default 0.9.</summary>
    public double TrustMinimumAccuracy { get; init; } = 0.9;

    /// <summary>
    /// Auto-accept on machine votes even from untrusted labelers. Default false, so on day one
    /// nothing is accepted on rules alone.
    /// </summary>
    public bool AutoAcceptUntrusted { get; init; }

    /// <summary>
    /// Offer no more tasks to a worker whose <see cref="RetirementVotes"/> votes would carry less
    /// information about an item's label than the label holds, once the model has judged the worker
    /// (<see cref="WorkerRetirement"/>). Default true: such workers mostly spend the vote limit that
    /// informative workers need. A retired worker asking for a task gets HTTP 403 with the figures;
    /// nobody is retired while no other worker of the project has been judged informative. Off in
    /// effect when <see cref="ReliabilityDoubt"/> is 0: workers are judged only once their own
    /// evidence reaches the doubt (and the model's prior strength).
    /// </summary>
    public bool RetireUninformativeWorkers { get; init; } = true;

    /// <summary>
    /// The votes a worker's information is weighed against when <see cref="RetireUninformativeWorkers"/>
    /// is on: a judged worker is retired when this many of its votes would carry less information than
    /// one item's label holds (<see cref="WorkerRetirement"/>). Default 7: on two even classes a worker
    /// below 71–72 % accuracy, on five even classes with errors spread evenly about 50 %. Higher keeps
    /// weaker workers (at <see cref="MaxCrowdVotes"/>, 10, only those whose votes could not pin a label
    /// down even filling an item alone); lower retires better ones. Chosen on the replays of four public
    /// crowds (docs/benchmarks.md): 10 left web's savings at 28–30 %, 7 saves 35–37 % there with higher
    /// accuracy and changes nothing measurable on dog, face and rte, 5 retired rte workers its accuracy
    /// needed.
    /// </summary>
    public int RetirementVotes { get; init; } = 7;

    /// <summary>Whether the project's budget is spent after <paramref name="used"/> crowd responses.</summary>
    /// <param name="used">Crowd responses so far.</param>
    /// <returns>True when a budget is set and reached.</returns>
    public bool IsBudgetExhausted(long used) => VoteBudget is { } budget && used >= budget;

    /// <summary>Problems with the settings, each saying what to change; empty when valid.</summary>
    /// <returns>Validation messages.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(AcceptTarget > 0.5 && AcceptTarget <= 1.0))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"routing.acceptTarget is {AcceptTarget}; use a probability in (0.5, 1], e.g. 0.95."));
        }

        if (!(CrowdTarget > 0.5 && CrowdTarget <= 1.0))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"routing.crowdTarget is {CrowdTarget}; use a probability in (0.5, 1], e.g. 0.95."));
        }

        if (!(RecheckTarget > 0.5 && RecheckTarget <= 1.0))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"routing.recheckTarget is {RecheckTarget}; use a probability in (0.5, 1], e.g. 0.99 (to keep every decided label, set routing.recheckDecidedLabels to false)."));
        }

        if (!(ReopenedReviewHours > 0 && ReopenedReviewHours <= MaxReopenedReviewHours))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"routing.reopenedReviewHours is {ReopenedReviewHours}; use hours above 0 and at most {MaxReopenedReviewHours} (ten years), e.g. 24."));
        }

        if (!(ReliabilityDoubt >= 0) || !double.IsFinite(ReliabilityDoubt))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"routing.reliabilityDoubt is {ReliabilityDoubt}; use 0 or more pseudo-answers, e.g. 10 (0 turns the discount off)."));
        }

        if (MinCrowdVotes < 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"routing.minCrowdVotes is {MinCrowdVotes}; use 1 or more."));
        }

        if (MaxCrowdVotes < MinCrowdVotes)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"routing.maxCrowdVotes ({MaxCrowdVotes}) is below routing.minCrowdVotes ({MinCrowdVotes}); raise it."));
        }

        if (RetirementVotes < 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"routing.retirementVotes is {RetirementVotes}; use 1 or more, e.g. 7 (to keep every worker, set routing.retireUninformativeWorkers to false)."));
        }

        if (VoteBudget is < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"routing.voteBudget is {VoteBudget}; use 0 or more, or leave it out for no limit."));
        }

        if (TrustMinimumChecked < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"routing.trustMinimumChecked is {TrustMinimumChecked}; use 0 or more."));
        }

        if (!(TrustMinimumAccuracy >= 0 && TrustMinimumAccuracy <= 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"routing.trustMinimumAccuracy is {TrustMinimumAccuracy}; use a share in [0, 1]."));
        }

        return errors;
    }
}
