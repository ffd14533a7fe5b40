using System.Globalization;
using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Routing;

/// <summary>
/// Whether a crowd worker's votes are worth asking for: a worker whose most votes an item may take
/// would still carry less information than one item's label needs is offered no more tasks in the
/// project ("retired").
/// </summary>
/// <remarks>
/// <para>With the worker's learned confusion θ[t, l] = P(answer l | truth t) (the truth model's,
/// prior included, read from held-out posteriors — <see cref="OnlineDawidSkene.HeldOutConfusion"/> —
/// so the worker's own votes do not vouch for it) and the project's class distribution π, one vote
/// carries the mutual information</para>
/// <para>I(A; T) = Σ_t π_t Σ_l θ[t, l] · log₂(θ[t, l] / q_l),   q_l = Σ_t π_t θ[t, l],</para>
/// <para>and an item's label holds H(T) = −Σ_t π_t log₂ π_t bits. The worker is retired when</para>
/// <para>M · I(A; T) &lt; H(T),</para>
/// <para>with M = <see cref="RoutingSettings.RetirementVotes"/>: even M of this worker's votes
/// (independent given the truth, as the model assumes) could not pin an item's label down, so the
/// worker's votes mostly spend the vote limit that informative workers' votes need. A perfect
/// worker carries I = H and is never retired (M ≥ 1); one who answers independently of the truth
/// carries I = 0 and is. π is the project's own; M is a setting, default 7: on two classes the line
/// then falls between 71 and 72 % accuracy (I = 1 − H₂(0.71) ≈ 0.131 bits), on five even classes with
/// errors spread evenly near 50 %. With M = <see cref="RoutingSettings.MaxCrowdVotes"/> (10, how this
/// was first built) only workers who could not decide an item filling it alone are retired; the
/// replays in docs/benchmarks.md measured 7 to save a fifth more of web's votes at higher accuracy
/// without retiring the workers dog, face and rte need.</para>
/// <para><b>When a worker is judged.</b> Only once the model holds evidence on the worker (expected
/// answers counted in its statistics) of at least max(<see cref="RoutingSettings.ReliabilityDoubt"/>,
/// the model's prior strength s). Before that its confusion is mostly its community's prior, not its
/// own record, and a retirement would punish the worker for its community — for good, because a
/// retired worker casts no more votes and its evidence stops growing. The doubt is the project's own
/// statement of how much evidence makes a worker's record count (at n = d the stopping rule counts it
/// half); s is the floor so a small doubt cannot judge a worker on a handful of answers. With the
/// defaults both are 10.</para>
/// <para><b>Doubt 0 turns retirement off.</b> <see cref="RoutingSettings.ReliabilityDoubt"/> = 0 says
/// "read every worker as the model reads it, from the first vote"; it names no point at which a
/// worker's record is its own, and projects choose it where the model's early reading is known to be
/// generous (the demo project, so that two agreeing votes decide an item). The same reading is not
/// safe to turn workers away on: when this was built, on the demo project, whose keyword rules then
/// pulled the learned class distribution to about 94 % spam (H = 0.32 bits) and the worker
/// communities' prior towards "says spam whatever the truth" (rules have since been kept out of
/// both), the end-to-end test's workers right 80 % and 85 % of the time read as 0.04–0.06 bits per
/// vote after 10 answers and were retired (5 votes carried 0.22–0.30 of the 0.32 bits needed). So a
/// project with doubt 0 retires nobody.</para>
/// <para><b>Unsure answers.</b> An "unsure" answer carries nothing and still takes one of an item's
/// vote slots, so the caller that knows the worker's share of labeled answers 1 − u
/// (<see cref="LabeledShare"/>) weighs M answers rather than M votes: the worker is retired when
/// M · (1 − u) · I(A; T) &lt; H(T) (<see cref="WorkerRetirementAssessment.LabeledShare"/>). A worker who
/// labels only one answer in three is retired unless one of its labels carries at least 3/M of a
/// label's bits. <see cref="MostlyUnsure"/> is the case of a worker the model has not judged yet,
/// taken as perfect (I = H).</para>
/// <para>Terms with θ[t, l] = 0 contribute nothing (0 · log 0 = 0); the logs are computed per term,
/// K² of them, so there is no underflow to guard against.</para>
/// <para>Whether a project may retire a worker at all also depends on the rest of its crowd (a
/// project needs some informative worker to hand the work to); that check reads every worker and
/// belongs to the caller, see <see cref="WorkerRetirementAssessment.IsKnownInformative"/>.</para>
/// </remarks>
public static class WorkerRetirement
{
    /// <summary>Assesses one worker.</summary>
    /// <param name="confusion">The worker's confusion matrix as the model reads it (prior included).</param>
    /// <param name="evidence">The worker's evidence in the model (expected answers counted); 0 when it has none.</param>
    /// <param name="classPriors">The project's class distribution π (K values, summing to one).</param>
    /// <param name="settings">The project's routing settings.</param>
    /// <param name="priorStrength">The truth model's prior strength s, in pseudo-answers (<see cref="OnlineDawidSkeneOptions.PriorStrength"/>).</param>
    /// <returns>The assessment with its figures.</returns>
    /// <exception cref="ArgumentException">The confusion matrix and the class distribution disagree on K, or the prior strength is negative.</exception>
    public static WorkerRetirementAssessment Assess(
        ConfusionMatrix confusion, double evidence, ReadOnlySpan<double> classPriors, RoutingSettings settings, double priorStrength)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        ArgumentNullException.ThrowIfNull(settings);
        if (confusion.ClassCount != classPriors.Length)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The confusion matrix has {confusion.ClassCount} classes and the class distribution {classPriors.Length}; give both for the project's K classes."), nameof(classPriors));
        if (!(priorStrength >= 0) || !double.IsFinite(priorStrength))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The prior strength must be a finite number of pseudo-answers, 0 or more (got {priorStrength})."), nameof(priorStrength));

        return new WorkerRetirementAssessment(
            IsOn(settings),
            double.IsFinite(evidence) ? Math.Max(evidence, 0) : 0,
            EvidenceNeeded(settings, priorStrength),
            InformationPerVote(confusion, classPriors),
            settings.RetirementVotes,
            Entropy(classPriors));
    }

    /// <summary>
    /// Whether a worker answers "unsure" so often that even a perfect one would not be worth asking: M of its answers
    /// (M = <see cref="RoutingSettings.RetirementVotes"/>) hold fewer than one labeled answer, M · (1 − u) &lt; 1 with u its
    /// share of unsure answers (above 6 in 7 at the default M = 7). An unsure answer carries no information about an item,
    /// but spends one of the item's <see cref="RoutingSettings.MaxCrowdVotes"/> and the project's budget, and teaches the
    /// model nothing about the worker, so the information rule (<see cref="Assess"/>), which waits for evidence, would
    /// never judge a worker who only answers unsure. Judged once the worker has answered as many times as the evidence
    /// <see cref="EvidenceNeeded"/> asks for; unlike the information rule it needs no informative peer, since such a
    /// worker's answers move no item towards a decision that anyone else's would not.
    /// </summary>
    /// <param name="votes">The worker's answers in the project.</param>
    /// <param name="unsure">Its "unsure" answers among them.</param>
    /// <param name="settings">The project's routing settings.</param>
    /// <param name="priorStrength">The truth model's prior strength in pseudo-answers.</param>
    /// <returns>True when the project should offer the worker no more tasks for this reason.</returns>
    public static bool MostlyUnsure(int votes, int unsure, RoutingSettings settings, double priorStrength)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Unlike the information rule this reads no confusion, so a doubt of 0 (the demo project's) does not turn it off.
        return settings.RetireUninformativeWorkers && votes > 0 && votes >= EvidenceNeeded(settings, priorStrength)
            && (long)settings.RetirementVotes * (votes - unsure) < votes;
    }

    /// <summary>
    /// Share of a worker's answers that were labels, for <see cref="WorkerRetirementAssessment.LabeledShare"/>: an answer is a
    /// label or "unsure", and only labels carry information, so M answers of a worker whose labels carry I bits each carry
    /// M · (1 − u) · I. <see cref="MostlyUnsure"/> is the same rule for a worker whose labels would all be right (I = H).
    /// </summary>
    /// <param name="votes">The worker's answers in the project.</param>
    /// <param name="unsure">Its "unsure" answers among them.</param>
    /// <returns>(votes − unsure) / votes, clamped to [0, 1]; 1 without answers.</returns>
    public static double LabeledShare(int votes, int unsure) =>
        votes > 0 ? Math.Clamp((votes - (double)Math.Max(unsure, 0)) / votes, 0.0, 1.0) : 1.0;

    /// <summary>Whether a project retires workers at all: the setting is on and the doubt is above 0.</summary>
    /// <param name="settings">The project's routing settings.</param>
    /// <returns>True when workers may be retired.</returns>
    public static bool IsOn(RoutingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.RetireUninformativeWorkers && settings.ReliabilityDoubt > 0;
    }

    /// <summary>The evidence the model must hold on a worker before judging it: max(doubt, prior strength).</summary>
    /// <param name="settings">The project's routing settings.</param>
    /// <param name="priorStrength">The truth model's prior strength in pseudo-answers.</param>
    /// <returns>Expected answers.</returns>
    public static double EvidenceNeeded(RoutingSettings settings, double priorStrength)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Math.Max(settings.ReliabilityDoubt, priorStrength);
    }

    /// <summary>Mutual information I(answer; truth) of one vote, in bits.</summary>
    /// <param name="confusion">P(answer | truth), K×K.</param>
    /// <param name="classPriors">P(truth), K values.</param>
    /// <returns>The information, at least 0.</returns>
    /// <exception cref="ArgumentException">The two disagree on K.</exception>
    public static double InformationPerVote(ConfusionMatrix confusion, ReadOnlySpan<double> classPriors)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        var k = classPriors.Length;
        if (confusion.ClassCount != k)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The confusion matrix has {confusion.ClassCount} classes and the class distribution {k}."), nameof(classPriors));
        var information = 0.0;
        for (var l = 0; l < k; l++)
        {
            var q = 0.0;
            for (var t = 0; t < k; t++) q += classPriors[t] * confusion[t, l];
            if (!(q > 0)) continue;
            for (var t = 0; t < k; t++)
            {
                var joint = classPriors[t] * confusion[t, l];
                if (joint > 0) information += joint * Math.Log2(confusion[t, l] / q);
            }
        }

        // Rounding can leave −1e-17 for a worker who answers independently of the truth.
        return Math.Max(information, 0);
    }

    /// <summary>Entropy of a distribution, in bits.</summary>
    /// <param name="distribution">Probabilities summing to one.</param>
    /// <returns>H, at least 0.</returns>
    public static double Entropy(ReadOnlySpan<double> distribution)
    {
        var entropy = 0.0;
        foreach (var p in distribution)
        {
            if (p > 0) entropy -= p * Math.Log2(p);
        }

        return entropy;
    }
}
