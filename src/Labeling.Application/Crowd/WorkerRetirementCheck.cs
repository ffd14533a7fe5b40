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
/// <para>The guard walks the project's workers only when the asking worker would be retired, and
/// stops at the first informative one.</para>
/// <para>Call under the project's model session (the model has one user at a time).</para>
/// </remarks>
public static class WorkerRetirementCheck
{
    /// <summary>The worker's assessment when the worker is retired from the project now; null when it is not.</summary>
    /// <param name="model">The project's truth model (read under its session).</param>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <param name="priorStrength">The model's prior strength in pseudo-answers.</param>
    /// <returns>The assessment of a retired worker, or null.</returns>
    public static WorkerRetirementAssessment? Retired(ProjectTruthModel model, string workerId, double priorStrength)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        var routing = model.Project.Routing;
        if (!routing.RetireUninformativeWorkers || routing.ReliabilityDoubt == 0)
        {
            return null;
        }

        // Cheap exits first: most requests come from workers the model has not judged yet or judged fine.
        var capability = model.Project.Capability;
        var evidence = model.Model.Statistics(workerId, capability)?.Evidence ?? 0.0;
        if (!(evidence > 0) || evidence < Math.Max(routing.ReliabilityDoubt, priorStrength))
        {
            return null;
        }

        var priors = model.Model.ClassPriors(capability);
        // The worker's own reading leaves its votes out of the posteriors it is judged against
        // (OnlineDawidSkene.HeldOutConfusion): on items with two or three votes a worker's own vote
        // pulls the posterior its way, and a biased worker would partly confirm itself.
        var assessment = WorkerRetirement.Assess(model.Model.HeldOutConfusion(workerId, capability), evidence, priors, routing, priorStrength);
        if (!assessment.Retired)
        {
            return null;
        }

        foreach (var other in model.Model.Labelers)
        {
            if (other.Capability != capability || other.Labeler == workerId || LabelerIds.KindOf(other.Labeler) != LabelerKind.Worker)
            {
                continue;
            }

            var peer = WorkerRetirement.Assess(model.Model.Confusion(other.Labeler, capability), other.Evidence, priors, routing, priorStrength);
            if (peer.IsKnownInformative)
            {
                return assessment;
            }
        }

        return null;
    }
}
