using Labeling.Application.Truth;
using Labeling.Domain.Labelers;
using Labeling.Domain.Routing;

namespace Labeling.Application.Crowd;

/// <summary>
/// Reads <see cref="WorkerRetirement"/> off a project's truth model: whether a worker is retired from
/// the project now, given its learned confusion, its evidence and the rest of the project's crowd.
/// </summary>
/// <remarks>
/// <para>A worker is retired only while some <i>other</i> worker of the project is judged informative
/// (<see cref="WorkerRetirementAssessment.IsKnownInformative"/>). Retirement hands an uninformative
/// worker's share of the pool to better workers; a crowd in which nobody is known to be informative
/// has nobody to hand it to, and retiring it would leave every item collecting forever. Such a crowd
/// keeps working as it would without the setting, and its items end decided or, after
/// <see cref="RoutingSettings.MaxCrowdVotes"/> votes, in review. Items can still wait in collecting
/// when the informative workers stop coming, as they wait today when the whole crowd stops coming.</para>
/// <para>Every worker, the asking one and its peers, is read from held-out posteriors, so in a crowd of
/// guessers none vouches for itself and lifts the guard for the others. The guard walks the project's
/// workers only when the asking worker would be retired, trying first the worker it found informative
/// last time, and stops at the first informative one. Readings are cached with the model and renewed as a
/// worker's evidence grows (see <c>Read</c>).</para>
/// <para>Call under the project's model session (the model has one user at a time).</para>
/// </remarks>
public static class WorkerRetirementCheck
{
    // A worker is read again once its evidence has grown by this factor since the last reading.
    private const double RereadGrowth = 1.1;

    /// <summary>The worker's assessment when the worker is retired from the project now; null when it is not.</summary>
    /// <param name="model">The project's truth model (read under its session).</param>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <param name="priorStrength">The model's prior strength in pseudo-answers.</param>
    /// <param name="labeledShare">
    /// Share of the worker's answers in the project that were labels, not "unsure" (<see cref="WorkerRetirement.LabeledShare"/>);
    /// 1 when not known. Peers vouching for the project's crowd are read at 1: their unsure answers are not counted here.
    /// </param>
    /// <returns>The assessment of a retired worker, or null.</returns>
    public static WorkerRetirementAssessment? Retired(ProjectTruthModel model, string workerId, double priorStrength, double labeledShare = 1.0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        var routing = model.Project.Routing;
        if (!WorkerRetirement.IsOn(routing))
        {
            return null;
        }

        // Cheap exits first: most requests come from workers the model has not judged yet or judged fine.
        var capability = model.Project.Capability;
        var evidence = model.Model.Statistics(workerId, capability)?.Evidence ?? 0.0;
        if (!(evidence > 0) || evidence < WorkerRetirement.EvidenceNeeded(routing, priorStrength))
        {
            return null;
        }

        var priors = model.Model.ClassPriors(capability);
        // The reading is cached per worker; the share of labeled answers is the caller's figure of now.
        var assessment = Read(model, workerId, evidence, priors, priorStrength) with { LabeledShare = labeledShare };
        if (!assessment.Retired)
        {
            return null;
        }

        if (model.InformativeWorker is { } known && known != workerId && IsKnownInformative(model, known, priors, priorStrength))
        {
            return assessment;
        }

        foreach (var other in model.Model.Labelers)
        {
            if (other.Capability != capability || other.Labeler == workerId || LabelerIds.KindOf(other.Labeler) != LabelerKind.Worker)
            {
                continue;
            }

            if (IsKnownInformative(model, other.Labeler, priors, priorStrength))
            {
                model.InformativeWorker = other.Labeler;
                return assessment;
            }
        }

        return null;
    }

    /// <summary>Whether another worker is judged informative (peers are read the same way as the asking worker).</summary>
    private static bool IsKnownInformative(ProjectTruthModel model, string workerId, double[] priors, double priorStrength)
    {
        var routing = model.Project.Routing;
        var evidence = model.Model.Statistics(workerId, model.Project.Capability)?.Evidence ?? 0.0;
        return evidence >= WorkerRetirement.EvidenceNeeded(routing, priorStrength)
            && Read(model, workerId, evidence, priors, priorStrength).IsKnownInformative;
    }

    /// <summary>
    /// The worker's assessment from held-out posteriors (<see cref="Domain.TruthInference.OnlineDawidSkene.HeldOutConfusion"/>):
    /// each of its items as the other votes read it, so a worker's own votes do not vouch for it (on items with two or
    /// three votes a biased worker would partly confirm itself). Re-read once its evidence has grown by a tenth since the
    /// last reading, so a worker's verdict is at most a tenth of its record old and the O(votes × votes per item) reading
    /// runs O(log n) times per worker rather than on every request.
    /// </summary>
    private static WorkerRetirementAssessment Read(ProjectTruthModel model, string workerId, double evidence, double[] priors, double priorStrength)
    {
        if (model.RetirementReadings.TryGetValue(workerId, out var cached) && evidence < cached.Evidence * RereadGrowth)
        {
            return cached;
        }

        var assessment = WorkerRetirement.Assess(
            model.Model.HeldOutConfusion(workerId, model.Project.Capability), evidence, priors, model.Project.Routing, priorStrength);
        model.RetirementReadings[workerId] = assessment;
        return assessment;
    }
}
